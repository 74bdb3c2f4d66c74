import { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';

/** Sorted ids, comma-separated: the key under which "the chat with exactly these people" is found. */
export function memberKey(userIds: Iterable<number>): string {
  return [...new Set(userIds)].sort((a, b) => a - b).join(',');
}

/**
 * SQL true when chat `chat` is live and user `user` an active member of it (both SQL expressions,
 * typically parameters): reads check access in their own statement with it, in one round trip,
 * and call MembersAccessService.refuse when they find nothing.
 */
export function activeMemberSql(chat: string, user: string): string {
  return `EXISTS (SELECT 1 FROM chat_members a JOIN chats ac ON ac.id = a.chat_id AND ac.deleted_at IS NULL
                   WHERE a.chat_id = ${chat} AND a.user_id = ${user} AND a.removed_at IS NULL)`;
}

/**
 * Serializes changes to one chat's membership (and its deletion): taken first in each such
 * transaction, so the checks that follow see the outcome of any change that was racing.
 */
export async function lockChat(manager: EntityManager, chatId: number): Promise<void> {
  await manager.query('SELECT 1 FROM chats WHERE id = $1 FOR UPDATE', [chatId]);
}

/**
 * After a membership change, inside its transaction: recompute the chat's member key from its
 * active members and move its last-activity time. Returns the active member count.
 */
export async function touchMembership(manager: EntityManager, chatId: number): Promise<number> {
  const [row]: { members: number }[] = await manager.query(
    `WITH k AS (
       SELECT coalesce(string_agg(user_id::text, ',' ORDER BY user_id), '') AS key, count(*)::int AS members
         FROM chat_members WHERE chat_id = $1 AND removed_at IS NULL
     ), touched AS (
       UPDATE chats c SET member_key = k.key, updated_at = now() FROM k WHERE c.id = $1
     )
     SELECT members FROM k`,
    [chatId],
  );
  return row.members;
}

/** Members in list order: longest-standing first; among those who joined together, by role. */
export const MEMBER_ORDER = `m.joined_at, CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, m.user_id`;

/** Refuses users who already belong to `max` live chats. */
export async function assertChatsPerUser(
  manager: EntityManager,
  userIds: number[],
  max: number,
): Promise<void> {
  const full: { user_id: number }[] = await manager.query(
    `SELECT m.user_id
       FROM chat_members m JOIN chats c ON c.id = m.chat_id AND c.deleted_at IS NULL
      WHERE m.user_id = ANY($1::int[]) AND m.removed_at IS NULL
      GROUP BY m.user_id HAVING count(*) >= $2`,
    [userIds, max],
  );
  if (full.length > 0) {
    throw new DomainError('limit_exceeded', `A user may belong to at most ${max} chats`, {
      limit: max,
      user_ids: full.map((row) => row.user_id),
    });
  }
}

export function assertMembersPerChat(count: number, max: number): void {
  if (count > max) {
    throw new DomainError('limit_exceeded', `A chat may have at most ${max} members`, { limit: max });
  }
}
