import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MessageNotFound } from '../common/errors/domain-error';
import { DomainEventBus } from '../events/domain-events';
import { MembersAccessService } from '../members/members-access.service';
import { iso } from './dto/message.dto';
import { MessageReadListDto, UnreadDto } from './dto/read-state.dto';
import { findLiveMessage } from './live-message';
import { writeReceiptsPastCursor } from './receipts';
import { unreadCountSql } from './unread';

/**
 * Moves the cursor forward only, to up_to_seq clamped to the chat's last seq. Concurrent calls
 * queue on the member row, and the later one moves nothing unless it goes further. The count is
 * that of the snapshot the statement read the chat in.
 */
const MARK_READ_SQL = `
  WITH target AS (
    SELECT LEAST(COALESCE($3::int, c.last_seq), c.last_seq) AS up_to
      FROM chats c WHERE c.id = $1 AND c.deleted_at IS NULL
  ), moved AS (
    UPDATE chat_members cm SET last_read_seq = target.up_to, last_read_at = now()
      FROM target
     WHERE cm.chat_id = $1 AND cm.user_id = $2 AND cm.removed_at IS NULL AND cm.last_read_seq < target.up_to
    RETURNING cm.last_read_seq, cm.last_read_at
  )
  SELECT moved.last_read_seq, moved.last_read_at, ${unreadCountSql('c', 'moved')} AS unread_count
    FROM moved, chats c
   WHERE c.id = $1`;

interface UnreadRow {
  unread_count: number;
  last_read_seq: number;
}

@Injectable()
export class ReadStateService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly members: MembersAccessService,
    private readonly events: DomainEventBus,
  ) {}

  async unread(userId: number, chatId: number): Promise<UnreadDto> {
    return (await this.activeState(userId, chatId)) ?? this.members.refuse(chatId, userId);
  }

  /**
   * Marks the chat read up to `upToSeq` (default: all of it); tells the chat when the cursor
   * moved. The receipts and the cursor move commit together, or neither does.
   */
  async markRead(userId: number, chatId: number, upToSeq?: number): Promise<UnreadDto> {
    await this.members.requireMember(chatId, userId);
    const moved = await this.db
      .transaction(async (manager) => {
        await writeReceiptsPastCursor(manager, chatId, userId, upToSeq ?? null);
        const rows: (UnreadRow & { last_read_at: Date })[] = await manager.query(MARK_READ_SQL, [
          chatId,
          userId,
          upToSeq ?? null,
        ]);
        // Not moved: the member was removed meanwhile, or the cursor is there already.
        if (!rows[0]) throw new Unmoved();
        return rows[0];
      })
      .catch((error: unknown) => {
        if (error instanceof Unmoved) return undefined;
        throw error;
      });
    if (!moved) return (await this.activeState(userId, chatId)) ?? this.members.refuse(chatId, userId);
    this.events.publish({
      type: 'chat.read',
      chatId,
      userId,
      lastReadSeq: moved.last_read_seq,
      readAt: iso(moved.last_read_at),
    });
    return { unread_count: moved.unread_count, last_read_seq: moved.last_read_seq };
  }

  /** Who of the chat's active members read the message, and when: at most one row per member. */
  async reads(userId: number, chatId: number, messageId: number): Promise<MessageReadListDto> {
    await this.members.requireMember(chatId, userId);
    if (!(await findLiveMessage(this.db, chatId, messageId))) throw new MessageNotFound();
    const rows: { user_id: number; read_at: Date }[] = await this.db.query(
      `SELECT r.user_id, r.read_at
         FROM message_read r
         JOIN chat_members cm ON cm.chat_id = $1 AND cm.user_id = r.user_id AND cm.removed_at IS NULL
        WHERE r.message_id = $2
        ORDER BY r.read_at, r.user_id`,
      [chatId, messageId],
    );
    return { items: rows.map((row) => ({ user_id: row.user_id, read_at: iso(row.read_at) })) };
  }

  /** The read state of an active member of a live chat; undefined for anyone else. */
  private async activeState(userId: number, chatId: number): Promise<UnreadDto | undefined> {
    const rows: UnreadRow[] = await this.db.query(
      `SELECT cm.last_read_seq, ${unreadCountSql('c', 'cm')} AS unread_count
         FROM chats c JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = $2 AND cm.removed_at IS NULL
        WHERE c.id = $1 AND c.deleted_at IS NULL`,
      [chatId, userId],
    );
    return rows[0] && { unread_count: rows[0].unread_count, last_read_seq: rows[0].last_read_seq };
  }
}

/** Rolls back receipts written for a cursor move that did not happen. */
class Unmoved extends Error {}
