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
import { MessageSendBatcher } from './send-batcher';
import { assertCanDelete, assertCanEdit, syncQuery, toPage } from './message-rules';

@Injectable()
export class MessagesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly members: MembersAccessService,
    private readonly events: DomainEventBus,
    private readonly batcher: MessageSendBatcher,
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
    const outcome = await this.batcher.send({
      chatId,
      senderId: userId,
      content: input.content,
      clientMessageId,
    });
    if (!outcome) {
      // Nothing was inserted: the chat is gone, the sender is not an active member, or the
      // client_message_id was used before; say which.
      await this.members.requireMember(chatId, userId);
      if (clientMessageId === null) throw new NotAMember();
      return { message: await this.original(chatId, userId, clientMessageId), created: false };
    }
    const message = toMessageDto(outcome.row);
    if (outcome.created) this.events.publish({ type: 'message.created', chatId, message });
    return { message, created: outcome.created };
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
    const { sql, params } = historyQuery(chatId, userId, query);
    const rows: MessageRow[] = await this.db.query(sql, params);
    // Nothing: an empty page, or no access (the statement checked it); only then ask which.
    if (rows.length === 0) await this.members.requireMember(chatId, userId);
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
