import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MessageNotFound } from '../common/errors/domain.errors';
import { iso } from '../common/time.util';
import { DomainEventBus } from '../events/domain-events.bus';
import { MembersAccessService } from '../members/members-access.service';
import { MembersRepository } from '../repositories/members.repository';
import { MessagesRepository } from '../repositories/messages.repository';
import { ReadStateRepository } from '../repositories/read-state.repository';
import { MessageReadListDto, UnreadDto } from './dto/read-state.dto';

@Injectable()
export class ReadStateService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: MembersAccessService,
    private readonly members: MembersRepository,
    private readonly messages: MessagesRepository,
    private readonly readState: ReadStateRepository,
    private readonly events: DomainEventBus,
  ) {}

  async unread(userId: number, chatId: number): Promise<UnreadDto> {
    return (await this.readState.unread(chatId, userId)) ?? this.access.refuse(chatId, userId);
  }

  /**
   * Marks the chat read up to `upToSeq` (default: all of it); tells the chat when the cursor
   * moved. The receipts and the cursor move commit together, or neither does.
   */
  async markRead(userId: number, chatId: number, upToSeq?: number): Promise<UnreadDto> {
    await this.access.requireMember(chatId, userId);
    const moved = await this.db
      .transaction(async (manager) => {
        // The receipts' range ends where the cursor goes: the chat's last seq as read here, under
        // the member row's lock, not a newer one that the move's own snapshot might see.
        const upTo = await this.readState.writeReceiptsPastCursor(chatId, userId, upToSeq ?? null, manager);
        if (upTo === undefined) throw new Unmoved();
        const row = await this.members.moveReadCursor(chatId, userId, upTo, manager);
        // Not moved: the member was removed meanwhile, or the cursor is there already.
        if (!row) throw new Unmoved();
        return row;
      })
      .catch((error: unknown) => {
        if (error instanceof Unmoved) return undefined;
        throw error;
      });
    if (!moved) return (await this.readState.unread(chatId, userId)) ?? this.access.refuse(chatId, userId);
    await this.events.publish({
      type: 'chat.read',
      chatId,
      userId,
      lastReadSeq: moved.last_read_seq,
      readAt: iso(moved.last_read_at),
    });
    return {
      unread_count: moved.unread_count,
      unread_mentions_count: moved.unread_mentions_count,
      last_read_seq: moved.last_read_seq,
    };
  }

  /**
   * A sender's cursor move that the send statement left out (a backlog longer than it writes
   * receipts for while it holds the chat lock): the receipts, then the cursor, in one transaction
   * of their own after the send committed. Should this never commit, the cursor stays where it was
   * and the next read or send writes the receipts.
   */
  async readUpTo(chatId: number, userId: number, upToSeq: number): Promise<void> {
    await this.db.transaction(async (manager) => {
      const upTo = await this.readState.writeReceiptsPastCursor(chatId, userId, upToSeq, manager);
      if (upTo !== undefined) await this.members.advanceReadCursor(chatId, userId, upTo, manager);
    });
  }

  /** Who of the chat's active members read the message, and when: at most one row per member. */
  async reads(userId: number, chatId: number, messageId: number): Promise<MessageReadListDto> {
    await this.access.requireMember(chatId, userId);
    if (!(await this.messages.findLive(chatId, messageId))) throw new MessageNotFound();
    const rows = await this.readState.receipts(chatId, messageId);
    return { items: rows.map((row) => ({ user_id: row.user_id, read_at: iso(row.read_at) })) };
  }
}

/** Rolls back receipts written for a cursor move that did not happen. */
class Unmoved extends Error {}
