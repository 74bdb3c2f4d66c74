import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ValidationFailed } from '../common/errors/domain-error';
import { MAX_ID } from '../common/http/parse-id.pipe';
import type { MemberRole } from '../members/chat-member.entity';
import { MemberRow, toMemberDto } from '../members/dto/member.dto';
import { MEMBER_ORDER } from '../members/membership-sql';
import { iso, MESSAGE_COLUMNS, MessageRow, toMessageDto } from '../messages/dto/message.dto';
import { unreadCountSql } from '../messages/unread';
import type { ChatType } from './chat.entity';
import type { ChatDto, ChatPageDto } from './dto/chat.dto';

interface ChatRow {
  id: number;
  chat_type: ChatType;
  title: string | null;
  post_id: number | null;
  created_at: Date;
  updated_at: Date;
  /** updated_at in microseconds since the epoch: the list cursor needs the full precision. */
  updated_us: string;
  viewer_id: number;
  my_role: MemberRole;
  unread_count: number;
  last_message: MessageRow | null;
  members: MemberRow[];
}

/**
 * Chats as their members see them, in one statement whatever the number of chats: my_role,
 * unread_count, the last message and the members of each chat through index lookups. With ORDER
 * BY and LIMIT, PostgreSQL evaluates those subqueries only for the rows of the page.
 */
const CHAT_SELECT = `
  SELECT c.id, c.chat_type, c.title, c.post_id, c.created_at, c.updated_at,
         (extract(epoch FROM c.updated_at) * 1000000)::bigint::text AS updated_us,
         v.user_id AS viewer_id, v.role AS my_role,
         ${unreadCountSql('c', 'v')} AS unread_count,
         (SELECT row_to_json(lm) FROM (
            SELECT ${MESSAGE_COLUMNS} FROM messages m
             WHERE m.chat_id = c.id AND m.deleted_at IS NULL
             ORDER BY m.seq DESC LIMIT 1) lm) AS last_message,
         (SELECT json_agg(json_build_object(
                   'user_id', m.user_id, 'username', u.username, 'display_name', u.display_name,
                   'role', m.role, 'joined_at', m.joined_at, 'last_read_seq', m.last_read_seq)
                 ORDER BY ${MEMBER_ORDER})
            FROM chat_members m JOIN users u ON u.id = m.user_id
           WHERE m.chat_id = c.id AND m.removed_at IS NULL) AS members
    FROM chat_members v
    JOIN chats c ON c.id = v.chat_id AND c.deleted_at IS NULL
   WHERE v.removed_at IS NULL`;

/** Opaque to clients: the (updated_at, id) of the last chat of a page. */
interface Cursor {
  updatedUs: string;
  id: number;
}

function encodeCursor(row: ChatRow): string {
  return Buffer.from(`${row.updated_us}.${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  const match = /^(\d{1,18})\.(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString());
  // A forged id past the int column's range would fail in PostgreSQL (500), not here.
  if (!match || Number(match[2]) > MAX_ID) {
    throw ValidationFailed.field('cursor', 'cursor must be a next_cursor from a previous page');
  }
  return { updatedUs: match[1], id: Number(match[2]) };
}

@Injectable()
export class ChatViews {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A page of the user's chat list, newest activity first. */
  async page(
    userId: number,
    filter: { chatType?: ChatType; limit: number; cursor?: string },
  ): Promise<ChatPageDto> {
    const params: unknown[] = [userId];
    let sql = `${CHAT_SELECT} AND v.user_id = $1`;
    if (filter.chatType) {
      params.push(filter.chatType);
      sql += ` AND c.chat_type = $${params.length}`;
    }
    if (filter.cursor) {
      const { updatedUs, id } = decodeCursor(filter.cursor);
      params.push(updatedUs, id);
      sql += ` AND (c.updated_at, c.id) < (timestamptz 'epoch' + $${params.length - 1}::bigint * interval '1 microsecond', $${params.length})`;
    }
    params.push(filter.limit + 1);
    sql += ` ORDER BY c.updated_at DESC, c.id DESC LIMIT $${params.length}`;

    const rows: ChatRow[] = await this.db.query(sql, params);
    const page = rows.slice(0, filter.limit);
    const items = page.map(toChatDto);
    return { items, next_cursor: rows.length > filter.limit ? encodeCursor(page[page.length - 1]) : null };
  }

  /** One chat as `userId` sees it; undefined unless the chat is live and the user an active member. */
  async one(
    chatId: number,
    userId: number,
    manager: EntityManager = this.db.manager,
  ): Promise<ChatDto | undefined> {
    const rows: ChatRow[] = await manager.query(`${CHAT_SELECT} AND c.id = $1 AND v.user_id = $2`, [
      chatId,
      userId,
    ]);
    return rows[0] && toChatDto(rows[0]);
  }

  /** The chat as each of its active members sees it, keyed by user id (for chat:created/updated). */
  async forAllMembers(
    chatId: number,
    manager: EntityManager = this.db.manager,
  ): Promise<Map<number, ChatDto>> {
    const rows: ChatRow[] = await manager.query(`${CHAT_SELECT} AND c.id = $1`, [chatId]);
    return new Map(rows.map((row) => [row.viewer_id, toChatDto(row)]));
  }
}

function toChatDto(row: ChatRow): ChatDto {
  return {
    id: row.id,
    chat_type: row.chat_type,
    title: row.title,
    post_id: row.post_id,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    members: (row.members ?? []).map(toMemberDto),
    last_message: row.last_message ? toMessageDto(row.last_message) : null,
    unread_count: row.unread_count,
    my_role: row.my_role,
  };
}
