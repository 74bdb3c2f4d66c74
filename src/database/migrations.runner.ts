import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source.options';

/** Any constant that is ours: instances starting together take turns at the migrations. */
const MIGRATION_LOCK = 727_001;

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so several instances starting at
 * once (a rolling deploy, `docker compose up --scale`) never run the same migration twice.
 */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const dataSource = new DataSource({ ...dataSourceOptions(databaseUrl, 1), logging: false });
  await dataSource.initialize();
  try {
    await dataSource.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      return (await dataSource.runMigrations()).map((migration) => migration.name);
    } finally {
      await dataSource.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await dataSource.destroy();
  }
}
