import { createHash } from 'node:crypto';

/**
 * SQL texts run as named prepared statements (by DroppingClient): parsed once per connection, and
 * after PostgreSQL's first five custom plans, planned once too when its generic plan costs no more
 * than they did (plan_cache_mode auto). For statements whose text is the same from call to call
 * and whose plan hardly depends on the values: history pages and searches, in a chat and across
 * chats (a search's planning was ~1.0 of its ~1.6 ms of PostgreSQL time for a common word), the
 * chat list page, and the lookups by key that run on most requests or messages (the access
 * check, the unread count, a mark-read's two statements, the Web Push subscriber check), each
 * planned in 0.15-0.6 ms for a far shorter execution (pg_stat_statements with track_planning,
 * docs/bench-results.md). A LIMIT goes into the text (literalCount): as a parameter it costs the
 * generic plan for 10% of the rows, and PostgreSQL keeps planning; or, where the statement has
 * one shape whatever the values, every value goes behind an InitPlan (opaque()), so that a
 * custom plan costs no less than the generic one.
 *
 * Bounded: every text registered is a statement each pooled connection may keep a plan of, so a
 * caller registers only texts of a few shapes, and past MAX_PREPARED texts the rest run unnamed.
 * Names are a hash of the text: node-postgres refuses one name for two texts on a connection.
 */
const MAX_PREPARED = 64;

/** How a registered statement runs and how its rows are read. */
export interface PreparedStatement {
  name: string;
  /** Its timestamptz values read as the contract's text (isoFromPostgres), not as Dates. */
  isoTimestamps: boolean;
}

/** What a caller asks of a registered statement beyond its name. */
export interface PreparedOptions {
  /**
   * Read its timestamptz values as the contract's ISO text instead of Dates, for rows that go
   * out through iso() (MessageRow: `Date | string`), where parsing a Date only to format it back
   * costs more than the rest of the row. Only an optimization: a text that runs unregistered (past
   * MAX_PREPARED) gives Dates, and iso() takes either.
   */
  isoTimestamps?: boolean;
}

const statements = new Map<string, PreparedStatement>();

/** `sql`, registered to run as a named prepared statement (while there is room); returns it. */
export function prepared(sql: string, options: PreparedOptions = {}): string {
  if (!statements.has(sql) && statements.size < MAX_PREPARED) {
    statements.set(sql, {
      name: `p_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`,
      isoTimestamps: options.isoTimestamps === true,
    });
  }
  return sql;
}

/** The statement of a registered text; undefined for any other. */
export function preparedStatement(sql: string): PreparedStatement | undefined {
  return statements.get(sql);
}
