import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MESSAGE_ROW_COLUMNS, MessageRow } from './messages.repository';
import { reactionColumnSql, readerReactions } from './reactions.repository';
import { liveMessage } from './sql.predicates';

/** Class id of the per-chat advisory lock that serializes pinning (any constant). */
const PIN_LOCK_CLASS = 0x0b1a5;

/** What pinning did. */
export type PinOutcome = 'pinned' | 'present' | 'full' | 'no_message';

/**
 * message_pins. A pin of a message deleted since stays as a row, but no list, count or unpin sees
 * it (only live messages count).
 */
@Injectable()
export class PinsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Pins the live message of the chat, unless it is pinned already or the chat has `max` pins
   * of live messages. Under a per-chat advisory lock taken first (not the chat row, which sends
   * lock), so two pins at once cannot both pass the limit. Run in a transaction.
   */
  async pin(
    chatId: number,
    messageId: number,
    userId: number,
    max: number,
    manager: EntityManager,
  ): Promise<PinOutcome> {
    await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [PIN_LOCK_CLASS, chatId]);
    const [row]: { outcome: PinOutcome }[] = await manager.query(
      `WITH target AS (
         SELECT m.id FROM messages m WHERE m.id = $2 AND m.chat_id = $1 AND ${liveMessage('m')}
       ), present AS (
         SELECT EXISTS (SELECT FROM message_pins p WHERE p.message_id = $2) AS pinned,
                (SELECT count(*) FROM message_pins p JOIN messages m ON m.id = p.message_id AND ${liveMessage('m')}
                  WHERE p.chat_id = $1) AS pins
       ), inserted AS (
         INSERT INTO message_pins (message_id, chat_id, pinned_by)
         SELECT t.id, $1, $3 FROM target t, present p WHERE NOT p.pinned AND p.pins < $4
         RETURNING 1
       )
       SELECT CASE WHEN NOT EXISTS (SELECT FROM target) THEN 'no_message'
                   WHEN EXISTS (SELECT FROM inserted) THEN 'pinned'
                   WHEN (SELECT pinned FROM present) THEN 'present'
                   ELSE 'full' END AS outcome`,
      [chatId, messageId, userId, max],
    );
    return row.outcome;
  }

  /** Unpins the live message of the chat; false when it was not pinned (or is not live). (A SELECT: TypeORM answers a bare DELETE with [rows, count].) */
  async unpin(chatId: number, messageId: number, manager: EntityManager = this.db.manager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `WITH removed AS (
         DELETE FROM message_pins p USING messages m
          WHERE p.message_id = $2 AND p.chat_id = $1 AND m.id = p.message_id AND ${liveMessage('m')}
         RETURNING 1
       )
       SELECT 1 FROM removed`,
      [chatId, messageId],
    );
    return rows.length > 0;
  }

  /** The chat's pinned live messages, newest pin first, as `viewerId` sees them (by message_pins_chat_idx). */
  async list(
    chatId: number,
    viewerId: number,
    manager: EntityManager = this.db.manager,
  ): Promise<MessageRow[]> {
    const rows: MessageRow[] = await manager.query(
      `SELECT ${MESSAGE_ROW_COLUMNS}, ${reactionColumnSql('$2')}
         FROM message_pins p JOIN messages m ON m.id = p.message_id AND ${liveMessage('m')}
        WHERE p.chat_id = $1
        ORDER BY p.pinned_at DESC, p.message_id DESC`,
      [chatId, viewerId],
    );
    return rows.map((row) => readerReactions(row, viewerId));
  }
}
