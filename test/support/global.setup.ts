import { runMigrations } from '../../src/database/migrations.runner';
import { createDatabase, startTestServer, TestServer, uniqueDatabaseName } from './test-database.fixture';

declare global {
  var __TEST_SERVER__: TestServer | undefined;
  var __TEST_DATABASE__: string | undefined;
}

/** One fresh, migrated database per test run; the e2e suites share it through TEST_DATABASE_URL. */
export default async function globalSetup(): Promise<void> {
  const server = await startTestServer();
  const name = uniqueDatabaseName();
  const url = await createDatabase(server, name);
  await runMigrations(url);
  process.env.TEST_DATABASE_URL = url;
  globalThis.__TEST_SERVER__ = server;
  globalThis.__TEST_DATABASE__ = name;
}
