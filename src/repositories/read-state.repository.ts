import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { activeMember, liveChat, liveMessage } from './sql.predicates';

/** The read state of one membership. */
export interface UnreadRow {
  unread_count: number;
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

/** message_read (the receipts) and the unread counts read from the members' cursors. */
@Injectable()
export class ReadStateRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Read receipts of `userId` for the live messages of others past the user's read cursor, up to
   * `upToSeq` (null: the chat's last message). Written in the transaction that then moves the
   * cursor, before it does: the receipts and the cursor commit together (a crash leaves neither),
   * and the member row is locked only from the cursor move to the commit, not while a long
   * backlog's rows are written. Nothing is written for a removed member or a deleted chat.
   *
   * Calls may overlap (a send and a mark-read, two mark-reads); ON CONFLICT skips rows already
   * written, and inserting in message id order (the order of the send statement too) makes two
   * overlapping writers wait on each other in one direction only, never in a cycle. A cursor read
   * here that another call moves meanwhile only widens the range to messages read anyway.
   */
  async writeReceiptsPastCursor(
    chatId: number,
    userId: number,
    upToSeq: number | null,
    manager: EntityManager = this.db.manager,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO message_read (message_id, user_id, read_at)
       SELECT o.id, $2, now()
         FROM chats c
         JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = $2 AND ${activeMember('cm')}
         JOIN messages o ON o.chat_id = c.id AND o.seq > cm.last_read_seq
                        AND o.seq <= LEAST(COALESCE($3::int, c.last_seq), c.last_seq)
                        AND o.sender_id <> $2 AND ${liveMessage('o')}
        WHERE c.id = $1 AND ${liveChat('c')}
        ORDER BY o.id
       ON CONFLICT DO NOTHING`,
      [chatId, userId, upToSeq],
    );
  }

  /** Who of the chat's active members read the message, and when: at most one row per member. */
  async receipts(
    chatId: number,
    messageId: number,
    manager: EntityManager = this.db.manager,
  ): Promise<ReceiptRow[]> {
    return manager.query(
      `SELECT r.user_id, r.read_at
         FROM message_read r
         JOIN chat_members cm ON cm.chat_id = $1 AND cm.user_id = r.user_id AND ${activeMember('cm')}
        WHERE r.message_id = $2
        ORDER BY r.read_at, r.user_id`,
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
      `SELECT cm.last_read_seq, ${unreadCountSql('c', 'cm')} AS unread_count
         FROM chats c JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = $2 AND ${activeMember('cm')}
        WHERE c.id = $1 AND ${liveChat('c')}`,
      [chatId, userId],
    );
    return rows[0] && { unread_count: rows[0].unread_count, last_read_seq: rows[0].last_read_seq };
  }
}
