import { dropDatabase } from './test-database.fixture';

export default async function globalTeardown(): Promise<void> {
  const server = globalThis.__TEST_SERVER__;
  const name = globalThis.__TEST_DATABASE__;
  if (!server || !name) return;
  await dropDatabase(server, name);
  await server.stop();
}
