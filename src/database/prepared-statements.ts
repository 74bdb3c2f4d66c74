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

const names = new Map<string, string>();

/** `sql`, registered to run as a named prepared statement (while there is room); returns it. */
export function prepared(sql: string): string {
  if (!names.has(sql) && names.size < MAX_PREPARED) {
    names.set(sql, `p_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`);
  }
  return sql;
}

/** The statement name of a registered text; undefined for any other. */
export function preparedName(sql: string): string | undefined {
  return names.get(sql);
}
