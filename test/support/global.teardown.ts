import { dropDatabase } from './test-database.fixture';

export default async function globalTeardown(): Promise<void> {
  const server = globalThis.__TEST_SERVER__;
  const names = globalThis.__TEST_DATABASES__ ?? [];
  if (!server) return;
  // The workers' copies before their template.
  for (const name of [...names].reverse()) await dropDatabase(server, name);
  await server.stop();
}
