import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { unreadMentionsSql } from './message-links.repository';
import { activeMember, liveChat } from './sql.predicates';
import { prepared } from '../database/prepared-statements';

/** The read state of one membership. */
export interface UnreadRow {
  unread_count: number;
  unread_mentions_count: number;
  last_read_seq: number;
}

export interface ReceiptRow {
  user_id: number;
  read_at: Date;
}

/**
 * Unread count of one membership, in O(log n): the messages past the reader's cursor
 * (chats.last_seq - last_read_seq) less the deleted ones among them.
 *
 * Own messages never count and need no subtraction: sending moves the sender's cursor to the
 * new message (the cursor only moves forward), so a member's own messages are always at or
 * below their cursor.
 *
 * `chat` and `member` are the aliases of chats and chat_members in the surrounding query.
 */
export function unreadCountSql(chat: string, member: string): string {
  return `GREATEST(${chat}.last_seq - ${member}.last_read_seq - (
      SELECT count(*)::int FROM messages d
       WHERE d.chat_id = ${chat}.id AND d.seq > ${member}.last_read_seq AND d.deleted_at IS NOT NULL
    ), 0)`;
}

/** message_read_ranges (the receipts) and the unread counts read from the members' cursors. */
@Injectable()
export class ReadStateRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The receipts of a cursor move of `userId`, up to `upToSeq` (null: the chat's last message,
   * clamped to it): one message_read_ranges row from the cursor + 1 to there, which the caller
   * then moves the cursor to (the seq returned), in the same transaction: the receipts and the
   * cursor commit together, or neither does. Returns undefined, writing nothing, when the cursor
   * is there already, for a removed member or a deleted chat.
   *
   * The member row is locked here (FOR NO KEY UPDATE, what the cursor's UPDATE takes anyway), so
   * the cursor read is the latest and concurrent moves queue: a member's ranges never overlap
   * through this path. Nothing else is locked first (the row has no foreign key to chats, whose
   * key-share lock would wait on a sending batch that in turn waits on this member row).
   */
  async writeReceiptsPastCursor(
    chatId: number,
    userId: number,
    upToSeq: number | null,
    manager: EntityManager = this.db.manager,
  ): Promise<number | undefined> {
    const rows: { to_seq: number }[] = await manager.query(
      prepared(`INSERT INTO message_read_ranges (chat_id, user_id, from_seq, to_seq, read_at)
       SELECT c.id, $2, cm.last_read_seq + 1, LEAST(COALESCE($3::int, c.last_seq), c.last_seq), now()
         FROM chats c
         JOIN LATERAL (
           SELECT cm.last_read_seq FROM chat_members cm
            WHERE cm.chat_id = c.id AND cm.user_id = $2 AND ${activeMember('cm')}
              FOR NO KEY UPDATE) cm ON true
        WHERE c.id = $1 AND ${liveChat('c')}
          AND LEAST(COALESCE($3::int, c.last_seq), c.last_seq) > cm.last_read_seq
       ON CONFLICT DO NOTHING
       RETURNING to_seq`),
      [chatId, userId, upToSeq],
    );
    return rows[0]?.to_seq;
  }

  /**
   * Who of the chat's active members other than the sender read the message, and when: at most
   * one row per member. Each member's cursor moves only forward and every move writes one range
   * ending at the new cursor, so the move that passed the message is the member's first range
   * ending at or after its seq; it covers the seq unless the member never passed it with a
   * receipt (one-seq ranges carried over from per-message receipts leave such gaps). One index
   * probe per member, whatever the chat's length.
   */
  async receipts(
    chatId: number,
    messageId: number,
    manager: EntityManager = this.db.manager,
  ): Promise<ReceiptRow[]> {
    return manager.query(
      `SELECT cm.user_id, r.read_at
         FROM messages m
         JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id <> m.sender_id AND ${activeMember('cm')}
         CROSS JOIN LATERAL (
           SELECT r.from_seq, r.read_at FROM message_read_ranges r
            WHERE r.chat_id = m.chat_id AND r.user_id = cm.user_id AND r.to_seq >= m.seq
            ORDER BY r.to_seq LIMIT 1) r
        WHERE m.id = $2 AND m.chat_id = $1 AND r.from_seq <= m.seq
        ORDER BY r.read_at, cm.user_id`,
      [chatId, messageId],
    );
  }

  /** The read state of an active member of a live chat; undefined for anyone else. */
  async unread(
    chatId: number,
    userId: number,
    manager: EntityManager = this.db.manager,
  ): Promise<UnreadRow | undefined> {
    const rows: UnreadRow[] = await manager.query(
      prepared(`SELECT cm.last_read_seq, ${unreadCountSql('c', 'cm')} AS unread_count,
              ${unreadMentionsSql('c', 'cm')} AS unread_mentions_count
         FROM chats c JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = $2 AND ${activeMember('cm')}
        WHERE c.id = $1 AND ${liveChat('c')}`),
      [chatId, userId],
    );
    const [row] = rows;
    return (
      row && {
        unread_count: row.unread_count,
        unread_mentions_count: row.unread_mentions_count,
        last_read_seq: row.last_read_seq,
      }
    );
  }
}
