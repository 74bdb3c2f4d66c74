import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { MemberRole, NotifyLevel } from '../database/entities/chat-member.entity';
import type { ChatType, ChatVisibility } from '../database/entities/chat.entity';
import { prepared } from '../database/prepared-statements';
import { blockedBetweenSql } from './blocks.repository';
import { MEMBER_ORDER, MemberRow } from './members.repository';
import { unreadMentionsSql } from './message-links.repository';
import { MESSAGE_ROW_COLUMNS, MessageRow } from './messages.repository';
import { reactionColumnSql, readerReactions } from './reactions.repository';
import { unreadCountSql } from './read-state.repository';
import {
  activeMember,
  literalCount,
  liveChat,
  liveMessage,
  memberCountSql,
  searchPatterns,
} from './sql.predicates';

/** A chat as one of its active members sees it. */
export interface ChatViewRow {
  id: number;
  chat_type: ChatType;
  title: string | null;
  post_id: number | null;
  created_at: Date;
  updated_at: Date;
  /** updated_at in microseconds since the epoch: the list cursor needs the full precision. */
  updated_us: string;
  /** The chat's avatar attachment, whose URL the service signs. */
  avatar_id: number | null;
  visibility: ChatVisibility;
  viewer_id: number;
  my_role: MemberRole;
  /** The viewer's notification level (NULL: all) and mute. */
  notify_level: NotifyLevel | null;
  muted_until: Date | null;
  unread_count: number;
  unread_mentions_count: number;
  last_message: MessageRow | null;
  members: MemberRow[] | null;
}

/** Where a page of the chat list starts: after the chat with this (updated_at, id). */
export interface ChatListPosition {
  updatedUs: string;
  id: number;
}

export interface NewChat {
  chatType: ChatType;
  title: string | null;
  postId: number | null;
  createdBy: number;
  memberKey: string;
  visibility: ChatVisibility;
}

/** What anyone may see of a chat they are not in: an invite's preview, the public chats list. */
export interface ChatSummaryRow {
  id: number;
  title: string | null;
  chat_type: ChatType;
  /** The chat's avatar attachment, whose URL the service signs. */
  avatar_id: number | null;
  member_count: number;
}

/** The columns of a ChatSummaryRow, of chat `chat`. */
export const chatSummaryColumns = (chat: string): string =>
  `${chat}.id, ${chat}.title, ${chat}.chat_type, ${chat}.avatar_id, ${memberCountSql(chat)} AS member_count`;

/** A live public chat (the predicate of the partial indexes chats_public_idx and chats_public_title_trgm_idx). */
const publicChat = (chat: string): string => `${chat}.visibility = 'public' AND ${liveChat(chat)}`;

/** A page of public chats: newest first, after the chat `beforeId` (exclusive). */
export function publicChatsQuery(filter: {
  query?: string;
  chatType?: ChatType;
  limit: number;
  beforeId?: number;
}): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  let sql = `SELECT ${chatSummaryColumns('c')} FROM chats c WHERE ${publicChat('c')}`;
  for (const pattern of searchPatterns(filter.query)) {
    params.push(pattern);
    sql += ` AND c.title ILIKE $${params.length}`;
  }
  if (filter.chatType) {
    params.push(filter.chatType);
    sql += ` AND c.chat_type = $${params.length}`;
  }
  if (filter.beforeId !== undefined) {
    params.push(filter.beforeId);
    sql += ` AND c.id < $${params.length}`;
  }
  params.push(filter.limit);
  sql += ` ORDER BY c.id DESC LIMIT $${params.length}`;
  return { sql, params };
}

/**
 * A chat as a member sees it, from the chat `c` and the viewer's membership `v`: my_role,
 * unread_count, unread_mentions_count, the last message and the members, each through index
 * lookups.
 */
const CHAT_VIEW_COLUMNS = `
  SELECT c.id, c.chat_type, c.title, c.post_id, c.created_at, c.updated_at, c.avatar_id, c.visibility,
         (extract(epoch FROM c.updated_at) * 1000000)::bigint::text AS updated_us,
         v.user_id AS viewer_id, v.role AS my_role, v.notify_level, v.muted_until,
         ${unreadCountSql('c', 'v')} AS unread_count,
         ${unreadMentionsSql('c', 'v')} AS unread_mentions_count,
         (SELECT row_to_json(lm) FROM (
            SELECT ${MESSAGE_ROW_COLUMNS}, ${reactionColumnSql('v.user_id')} FROM messages m
             WHERE m.chat_id = c.id AND ${liveMessage('m')}
             ORDER BY m.seq DESC LIMIT 1) lm) AS last_message,
         (SELECT json_agg(json_build_object(
                   'user_id', m.user_id, 'username', u.username, 'display_name', u.display_name,
                   'role', m.role, 'joined_at', m.joined_at, 'last_read_seq', m.last_read_seq,
                   'avatar_id', u.avatar_id)
                 ORDER BY ${MEMBER_ORDER})
            FROM chat_members m JOIN users u ON u.id = m.user_id
           WHERE m.chat_id = c.id AND ${activeMember('m')}) AS members`;

/** The live chats and active memberships the views are read from (`c`, `v`). */
const CHAT_VIEW_SOURCE = `
    FROM chat_members v
    JOIN chats c ON c.id = v.chat_id AND ${liveChat('c')}
   WHERE ${activeMember('v')}`;

/** Chats as their members see them, in one statement whatever the number of chats. */
const CHAT_VIEW_SELECT = `${CHAT_VIEW_COLUMNS}${CHAT_VIEW_SOURCE}`;

/** The chat list's order, newest activity first (its cursor is the same pair). */
const CHAT_LIST_ORDER = 'ORDER BY c.updated_at DESC, c.id DESC';

/** chats, and the chat views read across chats, members, messages and users. */
@Injectable()
export class ChatsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Serializes changes to one chat's membership (and its deletion): taken first in each such
   * transaction, so the checks that follow see the outcome of any change that was racing.
   */
  async lock(chatId: number, manager: EntityManager): Promise<void> {
    await manager.query('SELECT 1 FROM chats WHERE id = $1 FOR UPDATE', [chatId]);
  }

  /**
   * lock(), for a join: the chat's visibility, or undefined when the chat is not live (nothing is
   * then locked that matters).
   */
  async lockLive(
    chatId: number,
    manager: EntityManager,
  ): Promise<{ visibility: ChatVisibility } | undefined> {
    const rows: { visibility: ChatVisibility }[] = await manager.query(
      `SELECT c.visibility FROM chats c WHERE c.id = $1 AND ${liveChat('c')} FOR UPDATE`,
      [chatId],
    );
    return rows[0];
  }

  /** Serializes the creation of chats under one (type, post, members) key, until the commit. */
  async lockCreation(key: string, manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
  }

  /** The live chat of this type and post with exactly these members (by member key), if any. */
  async findLiveByMembers(
    memberKey: string,
    chatType: ChatType,
    postId: number | null,
    manager: EntityManager = this.db.manager,
  ): Promise<number | undefined> {
    const rows: { id: number }[] = await manager.query(
      `SELECT id FROM chats c
        WHERE member_key = $1 AND chat_type = $2 AND post_id IS NOT DISTINCT FROM $3 AND ${liveChat('c')}
        LIMIT 1`,
      [memberKey, chatType, postId],
    );
    return rows[0]?.id;
  }

  /**
   * Inserts the chat, unless its creator and one of `memberIds` block each other (either way):
   * checked in the insert itself. Returns its id, or undefined when a block refused it.
   */
  async create(
    chat: NewChat,
    memberIds: readonly number[],
    manager: EntityManager = this.db.manager,
  ): Promise<number | undefined> {
    const rows: { id: number }[] = await manager.query(
      `INSERT INTO chats (chat_type, title, post_id, created_by, member_key, visibility)
       SELECT $1, $2, $3, $4, $5, $7
        WHERE NOT EXISTS (SELECT 1 FROM unnest($6::int[]) AS o(id)
                           WHERE o.id <> $4 AND ${blockedBetweenSql('$4::int', 'o.id')})
       RETURNING id`,
      [chat.chatType, chat.title, chat.postId, chat.createdBy, chat.memberKey, memberIds, chat.visibility],
    );
    return rows[0]?.id;
  }

  async rename(
    chatId: number,
    title: string | null,
    manager: EntityManager = this.db.manager,
  ): Promise<void> {
    await manager.query('UPDATE chats SET title = $2, updated_at = now() WHERE id = $1', [chatId, title]);
  }

  async setVisibility(chatId: number, visibility: ChatVisibility, manager: EntityManager): Promise<void> {
    await manager.query('UPDATE chats SET visibility = $2, updated_at = now() WHERE id = $1', [
      chatId,
      visibility,
    ]);
  }

  /** A page of the live public chats (publicChatsQuery). */
  publicPage(filter: Parameters<typeof publicChatsQuery>[0]): Promise<ChatSummaryRow[]> {
    const { sql, params } = publicChatsQuery(filter);
    return this.db.query(sql, params);
  }

  /** The chat's avatar attachment id (read under the lock the caller holds). */
  async avatarOf(chatId: number, manager: EntityManager): Promise<number | null> {
    const [row]: { avatar_id: number | null }[] = await manager.query(
      'SELECT avatar_id FROM chats WHERE id = $1',
      [chatId],
    );
    return row.avatar_id;
  }

  async setAvatar(chatId: number, avatarId: number | null, manager: EntityManager): Promise<void> {
    await manager.query('UPDATE chats SET avatar_id = $2, updated_at = now() WHERE id = $1', [
      chatId,
      avatarId,
    ]);
  }

  /**
   * Soft delete, for every member at once: the rows stay, no read shows the chat again. Its member
   * key is cleared, so no chat found by members is ever a deleted one. The attachments of its
   * messages are marked deleted in the same statement (found by messages_chat_attachments_idx,
   * which holds only messages with attachments): their URLs are refused from then on.
   */
  async softDelete(chatId: number, manager: EntityManager = this.db.manager): Promise<void> {
    await manager.query(
      `WITH c AS (
         UPDATE chats SET deleted_at = now(), member_key = '' WHERE id = $1
       )
       UPDATE attachments a SET deleted_at = now()
         FROM messages m
        WHERE m.chat_id = $1 AND m.attachment_count IS NOT NULL AND a.message_id = m.id AND a.deleted_at IS NULL`,
      [chatId],
    );
  }

  /**
   * A page of `userId`'s chat list, newest activity first: `limit` rows after `after` (which the
   * caller fetches one more than it shows, to tell whether there is more).
   */
  async page(
    userId: number,
    filter: { chatType?: ChatType; limit: number; after?: ChatListPosition },
    manager: EntityManager = this.db.manager,
  ): Promise<ChatViewRow[]> {
    const params: unknown[] = [userId];
    let page = `SELECT v.chat_id, v.user_id ${CHAT_VIEW_SOURCE} AND v.user_id = $1`;
    if (filter.chatType) {
      params.push(filter.chatType);
      page += ` AND c.chat_type = $${params.length}`;
    }
    if (filter.after) {
      params.push(filter.after.updatedUs, filter.after.id);
      page += ` AND (c.updated_at, c.id) < (timestamptz 'epoch' + $${params.length - 1}::bigint * interval '1 microsecond', $${params.length})`;
    }
    page += ` ${CHAT_LIST_ORDER} LIMIT ${literalCount(filter.limit)}`;
    // The page's chats are chosen first, and only their views are read: PostgreSQL postpones a
    // view's subqueries past the sort only when it thinks them expensive, and with an empty or
    // fresh message_mentions it evaluated the unread mentions for every chat of the user (500
    // in the bench: ~0.4 ms of a 1.6 ms page). A named prepared statement, planned once per
    // connection when PostgreSQL settles on its generic plan; 4 texts per page size (chat
    // type, cursor).
    const sql = `${CHAT_VIEW_COLUMNS}
      FROM (${page}) p
      JOIN chat_members v ON v.chat_id = p.chat_id AND v.user_id = p.user_id
      JOIN chats c ON c.id = p.chat_id
     ${CHAT_LIST_ORDER}`;
    return asViewers(await manager.query(prepared(sql), params));
  }

  /** One chat as `userId` sees it; undefined unless the chat is live and the user an active member. */
  async view(
    chatId: number,
    userId: number,
    manager: EntityManager = this.db.manager,
  ): Promise<ChatViewRow | undefined> {
    const rows: ChatViewRow[] = await manager.query(`${CHAT_VIEW_SELECT} AND c.id = $1 AND v.user_id = $2`, [
      chatId,
      userId,
    ]);
    return asViewers(rows)[0];
  }

  /** The chat as each of its active members sees it; none when the chat is deleted. */
  async viewsOfAllMembers(chatId: number, manager: EntityManager = this.db.manager): Promise<ChatViewRow[]> {
    return asViewers(await manager.query(`${CHAT_VIEW_SELECT} AND c.id = $1`, [chatId]));
  }
}

/** Chat views with their last message's reactions as each row's viewer sees them (readerReactions). */
function asViewers(rows: ChatViewRow[]): ChatViewRow[] {
  for (const row of rows) if (row.last_message) readerReactions(row.last_message, row.viewer_id);
  return rows;
}
