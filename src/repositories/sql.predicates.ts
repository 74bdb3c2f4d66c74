/**
 * The SQL fragments every repository shares, written once. Each takes the alias of the table in
 * the surrounding statement.
 */

/** A chat that is not deleted. */
export const liveChat = (chat: string): string => `${chat}.deleted_at IS NULL`;

/** A membership that is not removed. */
export const activeMember = (member: string): string => `${member}.removed_at IS NULL`;

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
 * True when user `a` blocks user `b` or `b` blocks `a` (SQL expressions): two probes of
 * user_blocks' key. A NULL user finds nothing.
 */
export function blockedBetweenSql(a: string, b: string): string {
  return `EXISTS (SELECT 1 FROM user_blocks ub
                   WHERE (ub.blocker_id = ${a} AND ub.blocked_id = ${b})
                      OR (ub.blocker_id = ${b} AND ub.blocked_id = ${a}))`;
}

/**
 * The member of a two-person chat other than `user`, from the chat's member key (`memberKey`,
 * its active members' ids in order, '3,7'); NULL for a chat of any other size.
 */
export function twoPersonOtherSql(memberKey: string, user: string): string {
  return `CASE WHEN ${memberKey} LIKE '%,%' AND ${memberKey} NOT LIKE '%,%,%' THEN
            CASE WHEN split_part(${memberKey}, ',', 1)::int = ${user}
                 THEN split_part(${memberKey}, ',', 2)::int ELSE split_part(${memberKey}, ',', 1)::int END END`;
}

/** Escapes LIKE wildcards so that user text matches literally (`%` and `_` are plain characters). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** ILIKE patterns for the words of a search: each must occur, wildcards in them are literal. */
export function searchPatterns(query: string | undefined): string[] {
  const words = new Set((query ?? '').split(/\s+/u).filter((word) => word.length > 0));
  return [...words].map((word) => `%${escapeLike(word)}%`);
}
