import { DomainError } from './domain.errors';

/** The retry hint of a 503 for PostgreSQL away: a restart or failover takes seconds. */
export const DATABASE_RETRY_AFTER_MS = 1000;

/** PostgreSQL, frozen, restarting or unreachable, did not answer: the client may retry shortly. */
export class DatabaseUnavailable extends DomainError {
  constructor() {
    super('service_unavailable', 'The database is not answering; try again shortly', {
      retry_after_ms: DATABASE_RETRY_AFTER_MS,
    });
  }
}

/** Socket-level failures reaching or talking to the server (Node's error codes). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that say the server is going away, not ready, out of resources or gave up on a
 * statement: 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 57014
 * query_canceled (statement_timeout), 25P03 idle_in_transaction_session_timeout; the classes
 * 08 (connection exception) and 53 (insufficient resources, such as too_many_connections).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '25P03']);
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '53'];

/** node-postgres' and pg-pool's own errors for a connection lost, refused or never answering. */
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /^Query read timeout$/,
  /^timeout exceeded when trying to connect$/,
  /is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/,
];

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/**
 * Whether an error means PostgreSQL could not be reached or did not answer in time, rather than
 * that the request or the code is wrong. Looks through TypeORM's wrapper (`driverError`), causes
 * and aggregated connect errors.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const { code, message, driverError, cause, errors } = error as ErrorLike;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
  }
  if (typeof message === 'string' && DRIVER_MESSAGES.some((pattern) => pattern.test(message))) return true;
  if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return isDatabaseUnavailable(driverError, depth + 1) || isDatabaseUnavailable(cause, depth + 1);
}
