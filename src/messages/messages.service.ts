import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MessageNotFound, NotAMember } from '../common/errors/domain-error';
import { DomainEventBus } from '../events/domain-events';
import { MembersAccessService } from '../members/members-access.service';
import { ListMessagesQuery, PAGE_LIMIT, SendMessageDto } from './dto/message-input.dto';
import { MESSAGE_COLUMNS, MessageDto, MessagePageDto, MessageRow, toMessageDto } from './dto/message.dto';
import { historyQuery } from './history-query';
import { findLiveMessage } from './live-message';
import { writeReceipts } from './receipts';
import {
  assertCanDelete,
  assertCanEdit,
  isRepeatedClientMessageId,
  syncQuery,
  toPage,
} from './message-rules';

/**
 * A send in one statement, so one round trip and its own transaction:
 * - `me`: the sender must be an active member (no row: nothing below happens);
 * - `next`: the chat row's lock serializes the sends of a chat and hands out the next seq; a
 *   statement that fails later (a repeated client_message_id) rolls it back, so seqs stay gapless;
 * - the sender's read cursor moves to the new message in the same transaction, which keeps own
 *   messages at or below it (what unreadCountSql relies on). The member row is locked after the
 *   chat row, never before it.
 * `previous_read_seq` is the cursor before (from the statement's snapshot: possibly lower, never higher).
 */
const SEND_SQL = `
  WITH me AS (
    SELECT cm.last_read_seq, u.display_name
      FROM chat_members cm JOIN users u ON u.id = cm.user_id
     WHERE cm.chat_id = $1 AND cm.user_id = $2 AND cm.removed_at IS NULL
  ), next AS (
    UPDATE chats SET last_seq = last_seq + 1, updated_at = now()
     WHERE id = $1 AND deleted_at IS NULL AND EXISTS (SELECT 1 FROM me)
    RETURNING last_seq AS seq
  ), m AS (
    INSERT INTO messages AS m (chat_id, seq, sender_id, sender_name, content, client_message_id)
    SELECT $1, next.seq, $2, me.display_name, $3, $4 FROM next, me
    RETURNING ${MESSAGE_COLUMNS}
  ), cursor AS (
    UPDATE chat_members cm SET last_read_seq = GREATEST(cm.last_read_seq, m.seq), last_read_at = now()
      FROM m
     WHERE cm.chat_id = $1 AND cm.user_id = $2
  )
  SELECT m.*, me.last_read_seq AS previous_read_seq FROM m, me`;

@Injectable()
export class MessagesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly members: MembersAccessService,
    private readonly events: DomainEventBus,
  ) {}

  /**
   * Sends a message, or, when the sender already used `client_message_id` in this chat, answers
   * the original (created: false) without sending anything, even if it was edited or deleted
   * since: a retry must never send twice.
   */
  async send(
    userId: number,
    chatId: number,
    input: SendMessageDto,
  ): Promise<{ message: MessageDto; created: boolean }> {
    const clientMessageId = input.client_message_id ?? null;
    let rows: (MessageRow & { previous_read_seq: number })[];
    try {
      rows = await this.db.query(SEND_SQL, [chatId, userId, input.content, clientMessageId]);
    } catch (error) {
      if (clientMessageId === null || !isRepeatedClientMessageId(error)) throw error;
      return { message: await this.original(chatId, userId, clientMessageId), created: false };
    }
    if (rows.length === 0) {
      // Nothing was sent: the chat is gone or the sender is not an active member; say which.
      await this.members.requireMember(chatId, userId);
      throw new NotAMember();
    }
    const [row] = rows;
    const message = toMessageDto(row);
    this.events.publish({ type: 'message.created', chatId, message });
    // Sending read the chat up to here: the others' messages the cursor passed get their receipts.
    await writeReceipts(this.db, chatId, userId, row.previous_read_seq, row.seq - 1, row.created_at);
    return { message, created: true };
  }

  async edit(userId: number, chatId: number, messageId: number, content: string): Promise<MessageDto> {
    await this.members.requireMember(chatId, userId);
    assertCanEdit(await findLiveMessage(this.db, chatId, messageId), userId);
    const rows: MessageRow[] = await this.db.query(
      `WITH m AS (
         UPDATE messages m SET content = $3, edited_at = now()
          WHERE m.id = $2 AND m.chat_id = $1 AND m.deleted_at IS NULL
         RETURNING ${MESSAGE_COLUMNS}
       )
       SELECT * FROM m`,
      [chatId, messageId, content],
    );
    if (!rows[0]) throw new MessageNotFound();
    const message = toMessageDto(rows[0]);
    this.events.publish({ type: 'message.updated', chatId, message });
    return message;
  }

  /** Soft delete: the row stays for the seq sequence, but no list, count or last_message shows it. */
  async remove(userId: number, chatId: number, messageId: number): Promise<void> {
    const membership = await this.members.requireMember(chatId, userId);
    assertCanDelete(await findLiveMessage(this.db, chatId, messageId), membership);
    const rows: { seq: number }[] = await this.db.query(
      `WITH m AS (
         UPDATE messages SET deleted_at = now()
          WHERE id = $2 AND chat_id = $1 AND deleted_at IS NULL
         RETURNING seq
       )
       SELECT seq FROM m`,
      [chatId, messageId],
    );
    if (!rows[0]) throw new MessageNotFound();
    this.events.publish({ type: 'message.deleted', chatId, messageId, seq: rows[0].seq });
  }

  async list(userId: number, chatId: number, query: ListMessagesQuery): Promise<MessagePageDto> {
    await this.members.requireMember(chatId, userId);
    const { sql, params } = historyQuery(chatId, query);
    const rows: MessageRow[] = await this.db.query(sql, params);
    const page = toPage(rows, query.limit);
    return { items: page.items.map(toMessageDto), has_more: page.has_more };
  }

  /** What a client missed after `afterSeq`, oldest first. */
  async sync(
    userId: number,
    chatId: number,
    afterSeq: number,
    limit: number = PAGE_LIMIT.default,
  ): Promise<MessagePageDto> {
    const query = syncQuery(afterSeq, limit);
    return this.list(userId, chatId, query);
  }

  private async original(chatId: number, senderId: number, clientMessageId: string): Promise<MessageDto> {
    const rows: MessageRow[] = await this.db.query(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m
        WHERE m.chat_id = $1 AND m.sender_id = $2 AND m.client_message_id = $3`,
      [chatId, senderId, clientMessageId],
    );
    if (!rows[0]) throw new MessageNotFound();
    return toMessageDto(rows[0]);
  }
}
