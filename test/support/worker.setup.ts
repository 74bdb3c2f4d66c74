import { WORKER_DATABASE_URLS, workerDatabaseUrl } from './worker-databases';

// Before each test file, in its worker: TEST_DATABASE_URL is this worker's own database.
const urls = process.env[WORKER_DATABASE_URLS];
if (!urls) throw new Error(`${WORKER_DATABASE_URLS} is not set: run the tests through jest (global setup)`);
process.env.TEST_DATABASE_URL = workerDatabaseUrl(JSON.parse(urls) as string[], process.env.JEST_WORKER_ID);
