import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from './bootstrap';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { EmbeddedDatabase } from './database/embedded-postgres';
import { runMigrations } from './database/migrate';
import { drainAndClose } from './observability/graceful-shutdown';
import { createRootLogger, endLogs, flushLogs } from './observability/logging';
import { reportUnhandled } from './observability/unhandled';

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

/** The signals that shut the service down; any other listener for them is removed. */
const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * SIGTERM / SIGINT / SIGHUP: drain and close the app (see drainAndClose), then the embedded
 * PostgreSQL, then exit. A second signal exits at once. Ours are the only handlers: those
 * installed before are removed here, and those embedded-postgres installs when it is imported
 * later, which would stop the database while requests are still being finished, are removed by
 * EmbeddedDatabase (`callerHandlesSignals`).
 */
function handleSignals(
  config: AppConfig,
  log: Logger,
  getApp: () => INestApplication | undefined,
  embedded: EmbeddedDatabase | undefined,
): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      log.warn(`${signal} received again: exiting at once`);
      exit(1);
    }
    stopping = true;
    log.info(`${signal} received, shutting down`);
    try {
      const app = getApp();
      if (app) await drainAndClose(app, config, log);
      if (embedded) {
        await embedded.stop();
        log.info('Embedded PostgreSQL stopped');
      }
      log.info('Stopped');
      await endLogs();
      exit(0);
    } catch (error) {
      log.error(`Shutdown failed: ${messageOf(error)}`);
      exit(1);
    }
  };
  for (const signal of SHUTDOWN_SIGNALS) {
    process.removeAllListeners(signal);
    process.on(signal, (received) => void stop(received));
  }
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
  handleSignals(config, log, () => app, embedded);

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
