import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.factory';
import { AppConfig, ConfigError, loadConfig } from './config/app.config';
import { EmbeddedDatabase } from './database/embedded-postgres.server';
import { runMigrations } from './database/migrations.runner';
import { handleSignals } from './lifecycle/process-signals.handler';
import { reportUnhandled } from './lifecycle/unhandled-errors.handler';
import { createRootLogger, flushLogs } from './observability/root.logger';

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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Log lines are written asynchronously: whatever is still buffered goes out before the exit. */
function exit(code: number): never {
  flushLogs();
  process.exit(code);
}

async function main(): Promise<void> {
  let config = readConfig();
  const root = createRootLogger(config);
  reportUnhandled(root.child({ context: 'Process' }), exit);
  const log = root.child({ context: 'Bootstrap' });
  let app: INestApplication | undefined;
  let embedded: EmbeddedDatabase | undefined;
  if (config.databaseUrl) {
    const { hostname, port, pathname } = new URL(config.databaseUrl);
    log.info(`Database: PostgreSQL at ${hostname}:${port || 5432}${pathname} (from DATABASE_URL)`);
  } else {
    embedded = new EmbeddedDatabase({
      dataDir: config.embeddedPgDir,
      port: config.embeddedPgPort,
      callerHandlesSignals: true,
    });
  }
  handleSignals(config, log, () => app, embedded, exit);

  try {
    if (embedded) {
      config = new AppConfig({ ...config, databaseUrl: await embedded.start() });
      log.info(
        `Database: embedded PostgreSQL on 127.0.0.1:${config.embeddedPgPort}, data in ${config.embeddedPgDir}`,
      );
    }
    if (config.migrationsRun) {
      const applied = await runMigrations(config.databaseUrl!);
      log.info(
        applied.length ? `Migrations applied: ${applied.join(', ')}` : 'Migrations: schema is up to date',
      );
    }
    app = await createApp(config);
    await app.listen(config.port, config.host);
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    log.info({ port }, `Listening on http://${config.host}:${port} (API docs at /docs)`);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }
}

main().catch((error: unknown) => {
  flushLogs();
  process.stderr.write(`Fatal: ${messageOf(error)}\n`);
  exit(1);
});
