import { Injectable } from '@nestjs/common';
import { AttachmentsService } from '../attachments/attachments.service';
import { MessageNotFound, NotAMember, ValidationFailed } from '../common/errors/domain.errors';
import { DomainEventBus } from '../events/domain-events.bus';
import { MembersAccessService } from '../members/members-access.service';
import { ListMessagesQuery, PAGE_LIMIT, SendMessageDto } from './dto/message-input.dto';
import { MessageRow, MessagesRepository } from '../repositories/messages.repository';
import { MessageDto, MessagePageDto, toMessageDto } from './dto/message.dto';
import { MessageSendBatcher } from './send-batcher.service';
import { assertCanDelete, assertCanEdit, syncQuery, toPage } from './message.rules';

@Injectable()
export class MessagesService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly members: MembersAccessService,
    private readonly events: DomainEventBus,
    private readonly batcher: MessageSendBatcher,
    private readonly attachments: AttachmentsService,
  ) {}

  /** The message as the contract shows it, its attachments with URLs signed now. */
  private toDto(row: MessageRow): MessageDto {
    const now = Date.now();
    return toMessageDto(row, (attachment) => this.attachments.toDto(attachment, now));
  }

  /**
   * Sends a message, or, when the sender already used `client_message_id` in this chat, answers
   * the original (created: false) without sending anything, even if it was edited or deleted
   * since: a retry must never send twice (nor attach twice).
   */
  async send(
    userId: number,
    chatId: number,
    input: SendMessageDto,
  ): Promise<{ message: MessageDto; created: boolean }> {
    const clientMessageId = input.client_message_id ?? null;
    const attachmentIds = input.attachment_ids ?? null;
    const outcome = await this.batcher.send({
      chatId,
      senderId: userId,
      content: input.content ?? '',
      clientMessageId,
      attachmentIds,
    });
    if (!outcome) {
      // Nothing was inserted: the chat is gone, the sender is not an active member, the
      // client_message_id was used before, or an attachment cannot be taken; say which.
      await this.members.requireMember(chatId, userId);
      const original =
        clientMessageId === null ? undefined : await this.messages.original(chatId, userId, clientMessageId);
      if (original) return { message: this.toDto(original), created: false };
      if (attachmentIds !== null) {
        throw ValidationFailed.field(
          'attachment_ids',
          'attachment_ids must be ids of your own uploads that are not deleted and not attached to a message yet',
        );
      }
      if (clientMessageId === null) throw new NotAMember();
      throw new MessageNotFound();
    }
    const message = this.toDto(outcome.row);
    if (outcome.created) await this.events.publish({ type: 'message.created', chatId, message });
    return { message, created: outcome.created };
  }

  async edit(userId: number, chatId: number, messageId: number, content: string): Promise<MessageDto> {
    await this.members.requireMember(chatId, userId);
    assertCanEdit(await this.messages.findLive(chatId, messageId), userId);
    const row = await this.messages.edit(chatId, messageId, content);
    if (!row) throw new MessageNotFound();
    const message = this.toDto(row);
    await this.events.publish({ type: 'message.updated', chatId, message });
    return message;
  }

  /**
   * Soft delete: the row stays for the seq sequence, but no list, count or last_message shows it;
   * its attachments' URLs are refused from then on.
   */
  async remove(userId: number, chatId: number, messageId: number): Promise<void> {
    const membership = await this.members.requireMember(chatId, userId);
    assertCanDelete(await this.messages.findLive(chatId, messageId), membership);
    const seq = await this.messages.softDelete(chatId, messageId);
    if (seq === undefined) throw new MessageNotFound();
    await this.events.publish({ type: 'message.deleted', chatId, messageId, seq });
  }

  async list(userId: number, chatId: number, query: ListMessagesQuery): Promise<MessagePageDto> {
    const rows = await this.messages.history(chatId, userId, query);
    // Nothing: an empty page, or no access (the statement checked it); only then ask which.
    if (rows.length === 0) await this.members.requireMember(chatId, userId);
    const page = toPage(rows, query.limit);
    return { items: page.items.map((row) => this.toDto(row)), has_more: page.has_more };
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
}
