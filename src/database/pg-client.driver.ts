import { Client, type ClientConfig, type CustomTypesConfig, types } from 'pg';
import { isoFromPostgres } from '../common/time.util';
import { preparedStatement } from './prepared-statements';

/** The error of a statement whose answer did not come within the read timeout. */
export const QUERY_READ_TIMEOUT = 'Query read timeout';

type Callback = (error: Error | null, result?: unknown) => void;

type TextParser = (text: string) => unknown;

/** The type oid of timestamptz. */
const TIMESTAMPTZ: number = types.builtins.TIMESTAMPTZ;

/** The pool option (passed on to each client) that bounds the wait for an answer. */
export interface DroppingClientConfig extends ClientConfig {
  /** Milliseconds from query() to the answer, after which the connection is dropped; none when unset. */
  readTimeoutMillis?: number;
}

/** One statement in flight: whom to answer (until answered), and its read timer. */
interface Pending {
  callback?: Callback;
  timer?: NodeJS.Timeout;
}

/** Answers a statement once: its answer, or the read timeout, whichever comes first. */
function answer(pending: Pending, error: Error | null, result?: unknown): void {
  const { callback, timer } = pending;
  if (!callback) return;
  pending.callback = undefined;
  clearTimeout(timer);
  callback(error, result);
}

/**
 * node-postgres' client, except that a statement whose answer never came within
 * `readTimeoutMillis` (the server frozen, or the connection half-open after a failover or a lost
 * NAT entry) fails with {@link QUERY_READ_TIMEOUT} and drops the connection. Kept, the
 * connection would still have the statement active on the server: what the pool hands out next
 * would queue behind it (TypeORM's ROLLBACK times out unsent in that queue) and run, after a
 * thaw, inside its open transaction; and a half-open connection never answers again. Dropped,
 * the pool opens a fresh one when needed. Used as the pool's `Client` (node-postgres' documented
 * `Client` pool option).
 *
 * Every statement runs through node-postgres' callback API, also when the caller (TypeORM) wants
 * a promise, and the read timer holds the client and the statement's answer state, never the
 * statement: node-postgres' promise API, and its own `query_timeout`, answer through closures
 * that hold the Query (and so its rows), and with them every page read survived the young
 * generation's collections and was promoted to the old one (scavenges of 6–15 ms instead of
 * under 1, and the old generation growing by the rows of every page until a full collection;
 * docs/perf-messages-write.md, "Rows promoted by the promise API").
 *
 * It also runs the texts registered with prepared() as named prepared statements (node-postgres'
 * `name` query option), since TypeORM's query() has no way to ask for one, and reads the
 * timestamps of those registered with `isoTimestamps` as text (its `types` query option).
 */
export class DroppingClient extends Client {
  private readonly readTimeoutMillis: number | undefined;

  /**
   * The client's own parsers, except that timestamptz values come as the contract's text
   * (isoFromPostgres; any other text as the client parses it): for the statements registered
   * with `isoTimestamps` (prepared()).
   */
  private readonly isoTimestampTypes: CustomTypesConfig = {
    getTypeParser: ((oid: number, format = 'text') =>
      oid === TIMESTAMPTZ && format === 'text'
        ? this.parseIsoTimestamp
        : this.parserOf(oid, format)) as CustomTypesConfig['getTypeParser'],
  };

  private readonly parseIsoTimestamp = (text: string): unknown =>
    isoFromPostgres(text) ?? this.parserOf(TIMESTAMPTZ, 'text')(text);

  constructor(config?: DroppingClientConfig | string) {
    super(config);
    this.readTimeoutMillis = typeof config === 'object' ? config.readTimeoutMillis : undefined;
  }

  // The signature of every overload of Client.query.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    // A Submittable (a cursor or a stream) answers through its own events: handed to node-postgres
    // as it is, without the read timeout (the service runs none).
    if (typeof (args[0] as { submit?: unknown } | null)?.submit === 'function') {
      return (super.query as (...params: unknown[]) => unknown).apply(this, args);
    }
    const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as Callback) : undefined;
    let [config, values] = args as [unknown, unknown];
    // A registered text (prepared()) with its values, as TypeORM passes them: a named statement.
    const statement = typeof config === 'string' ? preparedStatement(config) : undefined;
    if (statement && Array.isArray(values)) {
      config = statement.isoTimestamps
        ? { name: statement.name, text: config, values, types: this.isoTimestampTypes }
        : { name: statement.name, text: config, values };
      values = undefined;
    }
    if (callback) {
      this.send(config, values, callback);
      return undefined;
    }
    return new Promise((resolve, reject) =>
      this.send(config, values, (error, result) => (error ? reject(error) : resolve(result))),
    );
  }

  private send(config: unknown, values: unknown, callback: Callback): void {
    const pending: Pending = { callback };
    if (this.readTimeoutMillis) {
      pending.timer = setTimeout(DroppingClient.readTimedOut, this.readTimeoutMillis, this, pending);
    }
    try {
      (super.query as (...params: unknown[]) => unknown).call(
        this,
        config,
        values,
        (error: Error | null, result?: unknown) => answer(pending, error, result),
      );
    } catch (error) {
      clearTimeout(pending.timer);
      throw error;
    }
  }

  /** The client's parser of a type (node-postgres' Client.getTypeParser, which its types leave out). */
  private parserOf(oid: number, format: string): TextParser {
    return (this as unknown as { getTypeParser(oid: number, format: string): TextParser }).getTypeParser(
      oid,
      format,
    );
  }

  /** The read timeout of a statement: it fails, and the connection goes (its later answer is dropped). */
  private static readTimedOut(this: void, client: DroppingClient, pending: Pending): void {
    answer(pending, new Error(QUERY_READ_TIMEOUT));
    client.connection.stream.destroy();
  }
}
