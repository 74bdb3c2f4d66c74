import { runMigrations } from '../../src/database/migrations.runner';
import {
  createDatabase,
  sealTemplate,
  startTestServer,
  TestServer,
  uniqueDatabaseName,
} from './test-database.fixture';
import globalTeardown from './global.teardown';
import { DATABASE_TEMPLATE, WORKER_DATABASE_URLS } from './worker-databases';

declare global {
  var __TEST_SERVER__: TestServer | undefined;
  var __TEST_DATABASES__: string[] | undefined;
}

/**
 * One run's databases: the migrations run once, into a template, and each Jest worker (up to
 * maxWorkers) gets a copy of its own, so suites running at the same time never see each other's
 * rows. worker.setup.ts exports the worker's copy as TEST_DATABASE_URL.
 */
export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  const server = await startTestServer();
  const run = uniqueDatabaseName();
  const template = `${run}_template`;
  const names = [template];
  globalThis.__TEST_SERVER__ = server;
  globalThis.__TEST_DATABASES__ = names;
  const urls: string[] = [];
  try {
    await runMigrations(await createDatabase(server, template));
    await sealTemplate(server, template);
    for (let worker = 1; worker <= Math.max(1, globalConfig.maxWorkers); worker++) {
      const name = `${run}_w${worker}`;
      names.push(name);
      urls.push(await createDatabase(server, name, template));
    }
  } catch (error) {
    // Jest runs no global teardown after a failed setup.
    await globalTeardown().catch(() => undefined);
    throw error;
  }
  process.env[WORKER_DATABASE_URLS] = JSON.stringify(urls);
  process.env[DATABASE_TEMPLATE] = template;
}
