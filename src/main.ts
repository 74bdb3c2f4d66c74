import 'reflect-metadata';
import { INestApplication, Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { EmbeddedDatabase } from './database/embedded-postgres';
import { runMigrations } from './database/migrate';

const logger = new Logger('Bootstrap');

function readConfig(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * SIGTERM / SIGINT: close the app (HTTP, sockets, database pool), then the embedded PostgreSQL,
 * then exit. A second signal exits at once. Our handlers replace those embedded-postgres installs,
 * which would stop the database while requests are still being finished.
 */
function handleSignals(
  getApp: () => INestApplication | undefined,
  embedded: EmbeddedDatabase | undefined,
): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      process.exit(1);
    }
    stopping = true;
    logger.log(`${signal} received, shutting down`);
    try {
      await getApp()?.close();
      await embedded?.stop();
      process.exit(0);
    } catch (error) {
      logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, (received) => void stop(received));
  }
}

async function main(): Promise<void> {
  let config = readConfig();
  let app: INestApplication | undefined;
  let embedded: EmbeddedDatabase | undefined;
  if (config.databaseUrl) {
    const { hostname, port, pathname } = new URL(config.databaseUrl);
    logger.log(`Database: PostgreSQL at ${hostname}:${port || 5432}${pathname} (from DATABASE_URL)`);
  } else {
    embedded = new EmbeddedDatabase({ dataDir: config.embeddedPgDir, port: config.embeddedPgPort });
  }
  handleSignals(() => app, embedded);

  try {
    if (embedded) {
      config = new AppConfig({ ...config, databaseUrl: await embedded.start() });
      logger.log(
        `Database: embedded PostgreSQL on 127.0.0.1:${config.embeddedPgPort}, data in ${config.embeddedPgDir}`,
      );
    }
    if (config.migrationsRun) {
      const applied = await runMigrations(config.databaseUrl!);
      logger.log(
        applied.length ? `Migrations applied: ${applied.join(', ')}` : 'Migrations: schema is up to date',
      );
    }
    app = await createApp(config);
    await app.listen(config.port, config.host);
    logger.log(`Listening on http://${config.host}:${config.port} (API docs at /docs)`);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Fatal: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
