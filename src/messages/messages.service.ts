import { Injectable } from '@nestjs/common';
import { AttachmentsService } from '../attachments/attachments.service';
import { Blocked, MessageNotFound, NotAMember, ValidationFailed } from '../common/errors/domain.errors';
import { DomainEventBus } from '../events/domain-events.bus';
import { MembersAccessService } from '../members/members-access.service';
import { ListMessagesQuery, PAGE_LIMIT, SendMessageDto } from './dto/message-input.dto';
import { BlocksRepository } from '../repositories/blocks.repository';
import { MessageLinksRepository } from '../repositories/message-links.repository';
import { MessageRow, MessagesRepository } from '../repositories/messages.repository';
import { NewMessage } from '../repositories/send-batch.statements';
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
    private readonly links: MessageLinksRepository,
    private readonly blocks: BlocksRepository,
  ) {}

  /** The message as the contract shows it, its attachments with URLs signed now. */
  private toDto(row: MessageRow): MessageDto {
    return toMessageDto(row, this.attachments.signedAt());
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
    const request = toNewMessage(userId, chatId, input);
    const { clientMessageId, attachmentIds } = request;
    const outcome = await this.batcher.send(request);
    if (!outcome) {
      // Nothing was inserted: the chat is gone, the sender is not an active member, the
      // client_message_id was used before, a block stands between the two members of the chat,
      // an attachment cannot be taken, or a reference (reply, forward, mention) is wrong; say which.
      await this.members.requireMember(chatId, userId);
      const original =
        clientMessageId === null ? undefined : await this.messages.original(chatId, userId, clientMessageId);
      if (original) return { message: this.toDto(original), created: false };
      // A two-person chat whose members block each other: the send statement refuses it.
      if (await this.blocks.pairChatBlocked(chatId)) {
        throw new Blocked('A block between you and the other member prevents sending in this chat');
      }
      const bad = await this.links.badReference(chatId, userId, {
        replyToId: request.replyToId ?? null,
        forwardMessageId: request.forwardMessageId ?? null,
        mentions: request.mentions ?? null,
      });
      if (bad) throw ValidationFailed.field(bad, BAD_REFERENCE_MESSAGES[bad]);
      if (attachmentIds) {
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

/** Why a reference of a send was refused (the same words whether or not the message exists). */
const BAD_REFERENCE_MESSAGES = {
  reply_to_id: 'reply_to_id must be a message of this chat that is not deleted',
  forward_message_id: 'forward_message_id must be a message, not deleted, of a chat you are a member of',
  mentions: 'mentions must be ids of members of this chat',
} as const;

/** The send request of a valid body (a forward copies content, attachments and location). */
function toNewMessage(userId: number, chatId: number, input: SendMessageDto): NewMessage {
  const forward = input.forward_message_id ?? null;
  if (forward !== null) {
    for (const field of ['attachment_ids', 'location'] as const) {
      if (input[field] !== undefined && input[field] !== null) {
        throw ValidationFailed.field(
          field,
          `${field} must be absent with forward_message_id (the original's is copied)`,
        );
      }
    }
  }
  const location = input.location
    ? {
        latitude: input.location.latitude,
        longitude: input.location.longitude,
        accuracy_m: input.location.accuracy_m ?? null,
        label: input.location.label ?? null,
      }
    : null;
  return {
    chatId,
    senderId: userId,
    content: forward === null ? (input.content ?? '') : '',
    clientMessageId: input.client_message_id ?? null,
    attachmentIds: input.attachment_ids ?? null,
    replyToId: input.reply_to_id ?? null,
    forwardMessageId: forward,
    location,
    mentions: input.mentions && input.mentions.length > 0 ? input.mentions : null,
  };
}
