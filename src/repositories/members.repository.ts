import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { MemberRole, NotifyLevel } from '../database/entities/chat-member.entity';
import { unreadMentionsSql } from './message-links.repository';
import { unreadCountSql } from './read-state.repository';
import { blockedBetweenSql, blockedPairChatSql } from './blocks.repository';
import { activeMember, liveChat, memberCountSql } from './sql.predicates';
import { prepared } from '../database/prepared-statements';

/** A member as the contract shows one (chat_members joined with users). */
export interface MemberRow {
  user_id: number;
  username: string;
  display_name: string;
  role: MemberRole;
  joined_at: Date | string;
  last_read_seq: number;
  /** The user's avatar attachment, whose URL the service signs. */
  avatar_id: number | null;
}

/** The chat (live or not) and the caller's membership row in it, if any. */
export interface AccessRow {
  user_id: number | null;
  role: MemberRole | null;
  last_read_seq: number | null;
  removed_at: Date | null;
}

export interface MemberStateRow {
  role: MemberRole;
  joined_at: Date;
  removed_at: Date | null;
  /** Removed by an owner or admin, not left by themselves. */
  removed_by_manager: boolean;
}

export interface StandingRow {
  user_id: number;
  role: MemberRole;
  joined_at: Date;
}

/** A read cursor that moved, with the unread count of the snapshot it moved in. */
export interface MovedCursorRow {
  last_read_seq: number;
  last_read_at: Date;
  unread_count: number;
  unread_mentions_count: number;
}

/** Members in list order: longest-standing first; among those who joined together, by role. */
export const MEMBER_ORDER = `m.joined_at, CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, m.user_id`;

const MEMBER_SELECT = `
  SELECT m.user_id, u.username, u.display_name, m.role, m.joined_at, m.last_read_seq, u.avatar_id
    FROM chat_members m JOIN users u ON u.id = m.user_id`;

/**
 * Moves the cursor forward only, to up_to_seq clamped to the chat's last seq. Concurrent calls
 * queue on the member row, and the later one moves nothing unless it goes further. The count is
 * that of the snapshot the statement read the chat in.
 */
const MOVE_READ_CURSOR_SQL = `
  WITH target AS (
    SELECT LEAST(COALESCE($3::int, c.last_seq), c.last_seq) AS up_to
      FROM chats c WHERE c.id = $1 AND ${liveChat('c')}
  ), moved AS (
    UPDATE chat_members cm SET last_read_seq = target.up_to, last_read_at = now()
      FROM target
     WHERE cm.chat_id = $1 AND cm.user_id = $2 AND ${activeMember('cm')} AND cm.last_read_seq < target.up_to
    RETURNING cm.user_id, cm.last_read_seq, cm.last_read_at
  )
  SELECT moved.last_read_seq, moved.last_read_at, ${unreadCountSql('c', 'moved')} AS unread_count,
         ${unreadMentionsSql('c', 'moved')} AS unread_mentions_count
    FROM moved, chats c
   WHERE c.id = $1`;

/** chat_members: membership with soft removal, roles, and each member's read cursor. */
@Injectable()
export class MembersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The chat if live, with `userId`'s membership row (removed or not); undefined when no live chat. */
  async access(
    chatId: number,
    userId: number,
    manager: EntityManager = this.db.manager,
  ): Promise<AccessRow | undefined> {
    const rows: AccessRow[] = await manager.query(
      prepared(`SELECT m.user_id, m.role, m.last_read_seq, m.removed_at
         FROM chats c
         LEFT JOIN chat_members m ON m.chat_id = c.id AND m.user_id = $2
        WHERE c.id = $1 AND ${liveChat('c')}`),
      [chatId, userId],
    );
    return rows[0];
  }

  /**
   * Sets an active member's notification level and mute for a live chat (`all` stored as NULL);
   * returns what was stored, or undefined when the caller is not an active member of a live chat.
   */
  async setNotifications(
    chatId: number,
    userId: number,
    level: NotifyLevel,
    mutedUntil: Date | null,
  ): Promise<{ notify_level: NotifyLevel | null; muted_until: Date | null } | undefined> {
    const rows: { notify_level: NotifyLevel | null; muted_until: Date | null }[] = await this.db.query(
      `WITH changed AS (
         UPDATE chat_members m SET notify_level = NULLIF($3::varchar, 'all'), muted_until = $4::timestamptz
           FROM chats c
          WHERE m.chat_id = $1 AND m.user_id = $2 AND ${activeMember('m')} AND c.id = m.chat_id AND ${liveChat('c')}
          RETURNING m.notify_level, m.muted_until
       )
       SELECT notify_level, muted_until FROM changed`,
      [chatId, userId, level, mutedUntil],
    );
    return rows[0];
  }

  /** `userId`'s membership row in the chat, removed or not. */
  async state(
    chatId: number,
    userId: number,
    manager: EntityManager = this.db.manager,
  ): Promise<MemberStateRow | undefined> {
    const rows: MemberStateRow[] = await manager.query(
      'SELECT role, joined_at, removed_at, removed_by_manager FROM chat_members WHERE chat_id = $1 AND user_id = $2',
      [chatId, userId],
    );
    return rows[0];
  }

  /** The active members, in list order. */
  list(chatId: number, manager: EntityManager = this.db.manager): Promise<MemberRow[]> {
    return manager.query(
      `${MEMBER_SELECT} WHERE m.chat_id = $1 AND ${activeMember('m')} ORDER BY ${MEMBER_ORDER}`,
      [chatId],
    );
  }

  /** One membership as the contract shows it, removed or not. */
  async one(
    chatId: number,
    userId: number,
    manager: EntityManager = this.db.manager,
  ): Promise<MemberRow | undefined> {
    const rows: MemberRow[] = await manager.query(
      `${MEMBER_SELECT} WHERE m.chat_id = $1 AND m.user_id = $2`,
      [chatId, userId],
    );
    return rows[0];
  }

  /** `userId` as a member of each live chat they are an active member of (for member:updated). */
  memberships(userId: number, manager: EntityManager): Promise<(MemberRow & { chat_id: number })[]> {
    return manager.query(
      `SELECT m.chat_id, m.user_id, u.username, u.display_name, m.role, m.joined_at, m.last_read_seq, u.avatar_id
         FROM chat_members m
         JOIN users u ON u.id = m.user_id
         JOIN chats c ON c.id = m.chat_id AND ${liveChat('c')}
        WHERE m.user_id = $1 AND ${activeMember('m')}
        ORDER BY m.chat_id`,
      [userId],
    );
  }

  /** The active members' standing: who they are, their role, since when. */
  standings(chatId: number, manager: EntityManager = this.db.manager): Promise<StandingRow[]> {
    return manager.query(
      `SELECT user_id, role, joined_at FROM chat_members m WHERE chat_id = $1 AND ${activeMember('m')}`,
      [chatId],
    );
  }

  /**
   * How many active members chat `chatId` has (memberCountSql: its member key, one row whatever
   * the chat's size). 0 for a chat that does not exist.
   */
  async activeCount(chatId: number, manager: EntityManager = this.db.manager): Promise<number> {
    const rows: { count: number }[] = await manager.query(
      `SELECT ${memberCountSql('c')} AS count FROM chats c WHERE c.id = $1`,
      [chatId],
    );
    return rows[0]?.count ?? 0;
  }

  /** The members of a new chat: `ownerId` owns it, the others are members. */
  async addAll(
    chatId: number,
    ownerId: number,
    userIds: readonly number[],
    manager: EntityManager = this.db.manager,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO chat_members (chat_id, user_id, role)
       SELECT $1, id, CASE WHEN id = $2 THEN 'owner' ELSE 'member' END FROM unnest($3::int[]) AS id`,
      [chatId, ownerId, userIds],
    );
  }

  /**
   * Adds a plain member, or restores a removed one as a plain member (keeping their read cursor;
   * a removal by a manager is then forgotten), unless `actorId`, who adds them, and they block
   * each other (either way; a join by oneself passes null): checked in the insert itself. False
   * when a block refused it.
   */
  async addOrRestore(
    chatId: number,
    userId: number,
    actorId: number | null,
    manager: EntityManager = this.db.manager,
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO chat_members (chat_id, user_id, role)
       SELECT $1, $2, 'member' WHERE NOT ${blockedBetweenSql('$3::int', '$2::int')}
       ON CONFLICT (chat_id, user_id)
       DO UPDATE SET role = 'member', removed_at = NULL, removed_by_manager = false, joined_at = now()
       RETURNING 1`,
      [chatId, userId, actorId],
    );
    return rows.length > 0;
  }

  async setRole(
    chatId: number,
    userId: number,
    role: MemberRole,
    manager: EntityManager = this.db.manager,
  ): Promise<void> {
    await manager.query('UPDATE chat_members SET role = $3 WHERE chat_id = $1 AND user_id = $2', [
      chatId,
      userId,
      role,
    ]);
  }

  /**
   * Soft removal: the row and its read cursor stay, as a plain member. `byManager`: an owner or
   * admin removed them (they did not leave), which bars their way back by invite or public join.
   */
  async remove(
    chatId: number,
    userId: number,
    byManager: boolean,
    manager: EntityManager = this.db.manager,
  ): Promise<void> {
    await manager.query(
      `UPDATE chat_members SET removed_at = now(), role = 'member', removed_by_manager = $3
        WHERE chat_id = $1 AND user_id = $2`,
      [chatId, userId, byManager],
    );
  }

  /**
   * After a membership change, inside its transaction: recompute the chat's member key from its
   * active members and move its last-activity time. Returns the active member count.
   */
  async touch(chatId: number, manager: EntityManager = this.db.manager): Promise<number> {
    const [row]: { members: number }[] = await manager.query(
      `WITH k AS (
         SELECT coalesce(string_agg(user_id::text, ',' ORDER BY user_id), '') AS key, count(*)::int AS members
           FROM chat_members m WHERE chat_id = $1 AND ${activeMember('m')}
       ), touched AS (
         UPDATE chats c SET member_key = k.key, updated_at = now() FROM k WHERE c.id = $1
       )
       SELECT members FROM k`,
      [chatId],
    );
    return row.members;
  }

  /**
   * Those of `userIds` who already have `max` live chats or more that they created and are still
   * an active member of (MAX_CHATS_PER_USER: chats other people created do not count). With
   * `creatorOf`, only the one who created that chat is counted (re-adding a creator to their own
   * chat counts it again; adding anyone else to it costs them nothing).
   */
  async usersAtChatLimit(
    userIds: readonly number[],
    max: number,
    manager: EntityManager = this.db.manager,
    creatorOf?: number,
  ): Promise<number[]> {
    const rows: { user_id: number }[] = await manager.query(
      `SELECT m.user_id
         FROM chat_members m JOIN chats c ON c.id = m.chat_id AND ${liveChat('c')} AND c.created_by = m.user_id
        WHERE m.user_id = ANY($1::int[]) AND ${activeMember('m')}
          AND ($3::int IS NULL OR m.user_id = (SELECT o.created_by FROM chats o WHERE o.id = $3))
        GROUP BY m.user_id HAVING count(*) >= $2`,
      [userIds, max, creatorOf ?? null],
    );
    return rows.map((row) => row.user_id);
  }

  /** roomChatIds of many users in one statement; every user given has an entry. */
  async roomChatIdsOf(userIds: readonly number[]): Promise<Map<number, number[]>> {
    const chats = new Map<number, number[]>(userIds.map((userId) => [userId, []]));
    const rows: { user_id: number; chat_id: number }[] = await this.db.query(
      `SELECT m.user_id, m.chat_id
         FROM chat_members m
         JOIN chats c ON c.id = m.chat_id AND ${liveChat('c')} AND NOT ${blockedPairChatSql('c')}
        WHERE m.user_id = ANY($1::int[]) AND ${activeMember('m')}`,
      [userIds],
    );
    for (const row of rows) chats.get(row.user_id)?.push(row.chat_id);
    return chats;
  }

  /**
   * Ids of the chats whose room the user's sockets are in: the live chats the user is an active
   * member of, except a two-person chat whose two members block each other (neither hears it).
   */
  async roomChatIds(userId: number): Promise<number[]> {
    return (await this.roomChatIdsOf([userId])).get(userId)!;
  }

  /**
   * Moves the member's read cursor forward to `upToSeq` (null: the chat's last message), clamped
   * to the chat's last seq; undefined when it did not move (already there, or not an active member
   * of a live chat).
   */
  async moveReadCursor(
    chatId: number,
    userId: number,
    upToSeq: number | null,
    manager: EntityManager = this.db.manager,
  ): Promise<MovedCursorRow | undefined> {
    const rows: MovedCursorRow[] = await manager.query(prepared(MOVE_READ_CURSOR_SQL), [
      chatId,
      userId,
      upToSeq,
    ]);
    return rows[0];
  }

  /** Moves an active member's read cursor forward to `upToSeq`, without clamping. */
  async advanceReadCursor(
    chatId: number,
    userId: number,
    upToSeq: number,
    manager: EntityManager = this.db.manager,
  ): Promise<void> {
    await manager.query(
      `UPDATE chat_members m SET last_read_seq = $3, last_read_at = now()
        WHERE chat_id = $1 AND user_id = $2 AND ${activeMember('m')} AND last_read_seq < $3`,
      [chatId, userId, upToSeq],
    );
  }
}
