import type { INestApplication } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app.config';
import type { EmbeddedDatabase } from '../database/embedded-postgres.server';
import { endLogs } from '../observability/root.logger';
import { drainAndClose } from './graceful-shutdown.handler';

/** The signals that shut the service down; any other listener for them is removed. */
const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * SIGTERM / SIGINT / SIGHUP: drain and close the app (see drainAndClose), then the embedded
 * PostgreSQL, then exit. A second signal exits at once. Ours are the only handlers: those
 * installed before are removed here, and those embedded-postgres installs when it is imported
 * later, which would stop the database while requests are still being finished, are removed by
 * EmbeddedDatabase (`callerHandlesSignals`). `exit` writes out buffered log lines first.
 */
export function handleSignals(
  config: AppConfig,
  log: Logger,
  getApp: () => INestApplication | undefined,
  embedded: EmbeddedDatabase | undefined,
  exit: (code: number) => never,
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
