import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ValidationFailed } from '../common/errors/domain-error';
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
}

/**
 * Chats as their members see them, in a constant number of statements whatever the number of
 * chats: one for the chats (with my_role, unread_count and the last message through a lateral
 * index lookup each), one for the members of all of them.
 */
const CHAT_SELECT = `
  SELECT c.id, c.chat_type, c.title, c.post_id, c.created_at, c.updated_at,
         (extract(epoch FROM c.updated_at) * 1000000)::bigint::text AS updated_us,
         v.user_id AS viewer_id, v.role AS my_role,
         ${unreadCountSql('c', 'v')} AS unread_count,
         (SELECT row_to_json(lm) FROM (
            SELECT ${MESSAGE_COLUMNS} FROM messages m
             WHERE m.chat_id = c.id AND m.deleted_at IS NULL
             ORDER BY m.seq DESC LIMIT 1) lm) AS last_message
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
  if (!match) throw ValidationFailed.field('cursor', 'cursor must be a next_cursor from a previous page');
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
    const items = await this.withMembers(page, this.db.manager);
    return { items, next_cursor: rows.length > filter.limit ? encodeCursor(page[page.length - 1]) : null };
  }

  /** One chat as `userId` sees it (the caller has checked membership). */
  async one(chatId: number, userId: number, manager: EntityManager = this.db.manager): Promise<ChatDto> {
    const rows: ChatRow[] = await manager.query(`${CHAT_SELECT} AND c.id = $1 AND v.user_id = $2`, [
      chatId,
      userId,
    ]);
    const [chat] = await this.withMembers(rows, manager);
    return chat;
  }

  /** The chat as each of its active members sees it, keyed by user id (for chat:created/updated). */
  async forAllMembers(
    chatId: number,
    manager: EntityManager = this.db.manager,
  ): Promise<Map<number, ChatDto>> {
    const rows: ChatRow[] = await manager.query(`${CHAT_SELECT} AND c.id = $1`, [chatId]);
    const chats = await this.withMembers(rows, manager);
    return new Map(chats.map((chat, i) => [rows[i].viewer_id, chat]));
  }

  private async withMembers(rows: ChatRow[], manager: EntityManager): Promise<ChatDto[]> {
    if (rows.length === 0) return [];
    const members: (MemberRow & { chat_id: number })[] = await manager.query(
      `SELECT m.chat_id, m.user_id, u.username, u.display_name, m.role, m.joined_at, m.last_read_seq
         FROM chat_members m JOIN users u ON u.id = m.user_id
        WHERE m.chat_id = ANY($1::int[]) AND m.removed_at IS NULL
        ORDER BY m.chat_id, ${MEMBER_ORDER}`,
      [[...new Set(rows.map((row) => row.id))]],
    );
    const byChat = new Map<number, MemberRow[]>();
    for (const member of members) {
      const list = byChat.get(member.chat_id) ?? [];
      list.push(member);
      byChat.set(member.chat_id, list);
    }
    return rows.map((row) => ({
      id: row.id,
      chat_type: row.chat_type,
      title: row.title,
      post_id: row.post_id,
      created_at: iso(row.created_at),
      updated_at: iso(row.updated_at),
      members: (byChat.get(row.id) ?? []).map(toMemberDto),
      last_message: row.last_message ? toMessageDto(row.last_message) : null,
      unread_count: row.unread_count,
      my_role: row.my_role,
    }));
  }
}
