import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedDatabase } from '../../src/database/embedded-postgres.server';

/**
 * A fresh database for one test run: on the server DATABASE_URL names, or else on an embedded
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

export async function createDatabase(server: TestServer, name: string): Promise<string> {
  await admin(server, (client) =>
    client.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`),
  );
  return server.urlFor(name);
}

export async function dropDatabase(server: TestServer, name: string): Promise<void> {
  await admin(server, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
