import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedDatabase } from '../../src/database/embedded-postgres.server';
import { runMigrations } from '../../src/database/migrations.runner';
import { DATABASE_TEMPLATE } from './worker-databases';

/**
 * The databases of one test run: on the server DATABASE_URL names, or else on an embedded
 * PostgreSQL under .data/test-postgres. Dropped again at the end of the run.
 */
export interface TestServer {
  /** A URL of the server with the database part replaced. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

/** The server behind a database URL, to create and drop other databases on it. */
export function serverOf(databaseUrl: string): TestServer {
  return {
    urlFor: (database) => {
      const url = new URL(databaseUrl);
      url.pathname = `/${database}`;
      return url.toString();
    },
    stop: () => Promise.resolve(),
  };
}

export async function startTestServer(): Promise<TestServer> {
  if (process.env.DATABASE_URL) return serverOf(process.env.DATABASE_URL);
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const embedded = new EmbeddedDatabase({
    dataDir: join(__dirname, '../../.data/test-postgres'),
    port,
    database: 'postgres',
  });
  await embedded.start();
  return {
    urlFor: (database) => embedded.url.replace(/\/postgres$/, `/${database}`),
    stop: () => embedded.stop(),
  };
}

export function uniqueDatabaseName(prefix = 'chat_test'): string {
  return `${prefix}_${Date.now()}_${randomBytes(3).toString('hex')}`;
}

async function admin<T>(server: TestServer, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: server.urlFor('postgres') });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** An empty database (a copy of template0), or a copy of `template` when given. */
export async function createDatabase(server: TestServer, name: string, template?: string): Promise<string> {
  await admin(server, (client) =>
    client.query(
      template
        ? `CREATE DATABASE "${name}" TEMPLATE "${template}"`
        : `CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`,
    ),
  );
  return server.urlFor(name);
}

/**
 * Makes `name` a template that nobody can connect to: CREATE DATABASE … TEMPLATE fails while any
 * session is connected to its source, so a stray connection would break every later copy.
 */
export async function sealTemplate(server: TestServer, name: string): Promise<void> {
  await admin(server, async (client) => {
    await client.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await client.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [name],
    );
  });
}

export async function dropDatabase(server: TestServer, name: string): Promise<void> {
  await admin(server, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/**
 * A migrated database of the suite's own, copied from the run's template (else migrated here),
 * for suites whose apps share more than rows with the other suites of their worker: the durable
 * job queues (pg-boss) live in the database, and a job another suite left there (a push to a
 * browser service the sandbox cannot reach, retried with backoff) would hold the queue's workers.
 */
export async function ownDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const testUrl = process.env.TEST_DATABASE_URL;
  if (!testUrl) throw new Error('TEST_DATABASE_URL is not set: run the tests through jest (global setup)');
  const server = serverOf(testUrl);
  const name = uniqueDatabaseName(prefix);
  const template = process.env[DATABASE_TEMPLATE];
  const url = await createDatabase(server, name, template);
  if (!template) await runMigrations(url);
  return { url, drop: () => dropDatabase(server, name) };
}
