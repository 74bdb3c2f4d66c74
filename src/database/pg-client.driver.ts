import { Client } from 'pg';
import { preparedName } from './prepared-statements';

/** node-postgres' error when `query_timeout` passes without an answer from the server. */
export const QUERY_READ_TIMEOUT = 'Query read timeout';

type Callback = (error: Error | null, result?: unknown) => void;

/**
 * node-postgres' client, except that a statement whose answer never came in `query_timeout` (the
 * server frozen, or the connection half-open after a failover or a lost NAT entry) drops the
 * connection. node-postgres rejects the statement but keeps the connection, the statement still
 * active on the server: what the pool hands out next would queue behind it (TypeORM's ROLLBACK
 * times out unsent in that queue) and run, after a thaw, inside its open transaction; and a
 * half-open connection never answers again. Dropped, the pool opens a fresh one when needed.
 * Used as the pool's `Client` (node-postgres' documented `Client` pool option).
 *
 * It also runs the texts registered with prepared() as named prepared statements (node-postgres'
 * `name` query option), since TypeORM's query() has no way to ask for one.
 */
export class DroppingClient extends Client {
  // The signature of every overload of Client.query: this only adds a step on rejection.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    // A registered text (prepared()) with its values, as TypeORM passes them: a named statement.
    const name = typeof args[0] === 'string' ? preparedName(args[0]) : undefined;
    if (name && args.length === 2 && Array.isArray(args[1])) {
      args = [{ name, text: args[0] as string, values: args[1] as unknown[] }];
    }
    const last: unknown = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (error: Error | null, result?: unknown): void => {
        if (error) this.dropIfTimedOut(error);
        (last as Callback)(error, result);
      };
    }
    const result: unknown = (super.query as (...params: unknown[]) => unknown).apply(this, args);
    if (result instanceof Promise) {
      return result.catch((error: unknown) => {
        this.dropIfTimedOut(error);
        throw error;
      });
    }
    return result;
  }

  private dropIfTimedOut(error: unknown): void {
    if (error instanceof Error && error.message === QUERY_READ_TIMEOUT) this.connection.stream.destroy();
  }
}
