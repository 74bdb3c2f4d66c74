/**
 * The SQL fragments every repository shares, written once. Each takes the alias of the table in
 * the surrounding statement.
 */

/**
 * EXISTS (SELECT 1 FROM `from` WHERE `where`), for a test made by key: planned as a probe of an
 * index for each row that asks it, whatever the statistics. Written as a scalar subquery, which
 * PostgreSQL never turns into a hashed subplan; an EXISTS under OR, NOT or CASE may become one
 * (the whole table read into a hash table on every execution), cheap on paper while the table is
 * small, and a generic plan made then keeps it as the table grows: the send statement read all
 * 3,090 client_message_ids of the bench's database to check one (test/integration/send-plans.int-spec.ts).
 */
export const existsByKey = (from: string, where: string): string =>
  `((SELECT true FROM ${from} WHERE ${where} LIMIT 1) IS NOT NULL)`;

/** A chat that is not deleted. */
export const liveChat = (chat: string): string => `${chat}.deleted_at IS NULL`;

/** A membership that is not removed. */
export const activeMember = (member: string): string => `${member}.removed_at IS NULL`;

/**
 * A membership whose notifications are on now: its level is not `none` (NULL is `all`) and it is
 * not muted. Pushes and e-mail digests both leave the other chats out.
 */
export const notificationsOn = (member: string): string =>
  `${member}.notify_level IS DISTINCT FROM 'none' AND (${member}.muted_until IS NULL OR ${member}.muted_until <= now())`;

/**
 * The active member count of chat `chat`, read from its member key (the sorted ids of its active
 * members, which every membership change keeps in its transaction): no read of chat_members.
 */
export const memberCountSql = (chat: string): string =>
  `coalesce(cardinality(string_to_array(nullif(${chat}.member_key, ''), ',')), 0)`;

/** A message that is not deleted. */
export const liveMessage = (message: string): string => `${message}.deleted_at IS NULL`;

/**
 * True when chat `chat` is live and user `user` an active member of it (both SQL expressions,
 * typically parameters): reads check access in their own statement with it, in one round trip,
 * and call MembersAccessService.refuse when they find nothing.
 */
export function activeMemberSql(chat: string, user: string): string {
  return `EXISTS (SELECT 1 FROM chat_members a JOIN chats ac ON ac.id = a.chat_id AND ${liveChat('ac')}
                   WHERE a.chat_id = ${chat} AND a.user_id = ${user} AND ${activeMember('a')})`;
}

/**
 * Parameter `param` (`$n`, of SQL type `type`) where the planner cannot see its value, in a
 * custom plan either (an InitPlan): a prepared statement whose estimates depend on no value then
 * costs the same planned afresh as generic, and PostgreSQL settles on the generic plan after its
 * first five (plan_cache_mode auto) instead of planning every call for a plan of the same shape.
 * Only for statements with one sensible shape whatever the values (a page of a chat by its seq
 * index; the search across chats, whose every path is fixed by its text).
 */
export function opaque(param: string, type: 'int' | 'bigint' | 'text' = 'int'): string {
  return `(SELECT ${param}::${type})`;
}

/**
 * `count` as an SQL literal, for a LIMIT written into a prepared statement's text (as a parameter
 * PostgreSQL costs its generic plan for 10% of the rows, and keeps planning every call): a
 * positive safe integer, or an error, so no text from outside ever reaches the SQL.
 */
export function literalCount(count: number): string {
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`Not a row count: ${count}`);
  return String(count);
}

/** Escapes LIKE wildcards so that user text matches literally (`%` and `_` are plain characters). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** ILIKE patterns for the words of a search: each must occur, wildcards in them are literal. */
export function searchPatterns(query: string | undefined): string[] {
  return searchWords(query).map((word) => `%${escapeLike(word)}%`);
}

/** The distinct words of a search query (split on whitespace). */
export function searchWords(query: string | undefined): string[] {
  return [...new Set((query ?? '').split(/\s+/u).filter((word) => word.length > 0))];
}

/**
 * Whether a trigram index can narrow a search for these words: pg_trgm takes trigrams of runs of
 * letters and digits, so a word needs a run of three (a guess that costs time, never a match).
 */
export function hasTrigram(words: string[]): boolean {
  return words.some((word) => /[\p{L}\p{N}]{3}/u.test(word));
}
