import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Errors nothing handled, most likely thrown inside a library (ioredis, node-postgres), are
 * logged with their stack through the service's logger, never dropped silently.
 *
 * An unhandled rejection does not end the process: it failed one operation, whose caller has
 * answered or timed out, and the same stray rejection would otherwise end every instance at once
 * (Node's default since version 15 is to exit). An uncaught exception does end it, after
 * logging: a throw that unwound an unknown stack may have left state half-changed, so the
 * process exits with 1 and is restarted, as Node advises.
 */
export function reportUnhandled(
  log: Pick<Logger, 'error' | 'fatal'>,
  exit: (code: number) => void,
  target: EventEmitter = process,
): void {
  target.on('unhandledRejection', (reason: unknown) => {
    log.error(
      { err: reason },
      `Unhandled promise rejection (the process keeps running): ${messageOf(reason)}`,
    );
  });
  target.on('uncaughtException', (error: unknown) => {
    log.fatal({ err: error }, `Uncaught exception, exiting: ${messageOf(error)}`);
    exit(1);
  });
}
