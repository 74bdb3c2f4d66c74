/**
 * The SQL fragments every repository shares, written once. Each takes the alias of the table in
 * the surrounding statement.
 */

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

/** Escapes LIKE wildcards so that user text matches literally (`%` and `_` are plain characters). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** ILIKE patterns for the words of a search: each must occur, wildcards in them are literal. */
export function searchPatterns(query: string | undefined): string[] {
  const words = new Set((query ?? '').split(/\s+/u).filter((word) => word.length > 0));
  return [...words].map((word) => `%${escapeLike(word)}%`);
}
