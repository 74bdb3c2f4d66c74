/**
 * How the global setup hands each Jest worker its own database. The setup migrates one template
 * database and copies it once per worker (CREATE DATABASE … TEMPLATE); the URLs travel to the
 * workers in one environment variable, and worker.setup.ts picks the one of its JEST_WORKER_ID
 * as TEST_DATABASE_URL before each test file. Suites on different workers never share rows.
 */
export const WORKER_DATABASE_URLS = 'TEST_WORKER_DATABASE_URLS';
/** The migrated template, for suites that want a fresh migrated database of their own. */
export const DATABASE_TEMPLATE = 'TEST_DATABASE_TEMPLATE';

/** The database of worker `workerId` (1-based, as JEST_WORKER_ID) among the run's copies. */
export function workerDatabaseUrl(urls: string[], workerId: string | undefined): string {
  const id = Number(workerId ?? '1');
  const url = urls[id - 1];
  if (!Number.isInteger(id) || !url) {
    throw new Error(
      `no test database for Jest worker ${workerId}: the global setup made ${urls.length} ` +
        '(one per worker, up to maxWorkers); run the tests through jest',
    );
  }
  return url;
}
