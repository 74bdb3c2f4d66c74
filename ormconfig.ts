import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app.config';
import { dataSourceOptions } from './src/database/data-source.options';

/**
 * The DataSource for the TypeORM CLI (`npm run migration:*`). It needs DATABASE_URL; for the
 * embedded database that is postgres://postgres:postgres@127.0.0.1:54329/chat while it runs.
 */
const config = loadConfig();
if (!config.databaseUrl) {
  throw new Error('Set DATABASE_URL to run migrations from the CLI (the service runs them itself at start).');
}

export default new DataSource(dataSourceOptions(config.databaseUrl));
