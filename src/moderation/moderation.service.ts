import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MessageNotFound, UserNotFound, ValidationFailed } from '../common/errors/domain.errors';
import { decodeIdCursor, nextIdCursor } from '../common/http/id-cursor.util';
import { DomainEventBus } from '../events/domain-events.bus';
import { MessagesRepository } from '../repositories/messages.repository';
import { ModerationAuditRepository } from '../repositories/moderation-audit.repository';
import { UserBansRepository } from '../repositories/user-bans.repository';
import { UsersRepository } from '../repositories/users.repository';
import { AuditPageDto, BanUserDto, ModerationPageQuery, toAuditEntryDto } from './dto/moderation.dto';

/**
 * What moderators do to messages and users: each action and its audit row in one transaction,
 * its events after the commit.
 */
@Injectable()
export class ModerationService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly messages: MessagesRepository,
    private readonly bans: UserBansRepository,
    private readonly users: UsersRepository,
    private readonly audit: ModerationAuditRepository,
    private readonly events: DomainEventBus,
  ) {}

  /**
   * Deletes any live message of a live chat as its author's delete does (the same statement: its
   * attachments marked deleted, its mentions gone; the same `message:deleted` to the chat room).
   */
  async deleteMessage(moderatorId: number, messageId: number, reason: string | null): Promise<void> {
    const deleted = await this.db.transaction(async (manager) => {
      const chatId = await this.messages.chatOfLive(messageId, manager);
      if (chatId === undefined) return undefined;
      const seq = await this.messages.softDelete(chatId, messageId, manager);
      if (seq === undefined) return undefined;
      await this.audit.record(
        {
          moderatorId,
          action: 'message.delete',
          targetType: 'message',
          targetId: messageId,
          reason,
          details: { chat_id: chatId, seq },
        },
        manager,
      );
      return { chatId, seq };
    });
    if (!deleted) throw new MessageNotFound();
    await this.events.publish({
      type: 'message.deleted',
      chatId: deleted.chatId,
      messageId,
      seq: deleted.seq,
    });
  }

  /** Bans the user (again: the new ban replaces the old), on every instance at once. */
  async ban(moderatorId: number, userId: number, input: BanUserDto): Promise<void> {
    if (userId === moderatorId) throw ValidationFailed.field('user_id', 'you cannot ban yourself');
    const until = input.until === undefined ? null : new Date(input.until);
    if (until !== null && until.getTime() <= Date.now()) {
      throw ValidationFailed.field('until', 'until must be in the future');
    }
    await this.db.transaction(async (manager) => {
      if ((await this.users.existing([userId], manager)).length === 0) throw new UserNotFound();
      await this.bans.upsert({ userId, bannedBy: moderatorId, reason: input.reason, until }, manager);
      await this.audit.record(
        {
          moderatorId,
          action: 'user.ban',
          targetType: 'user',
          targetId: userId,
          reason: input.reason,
          details: { until: until?.toISOString() ?? null },
        },
        manager,
      );
    });
    await this.events.publish({ type: 'user.banned', userId, until: until?.toISOString() ?? null });
  }

  /** Lifts the user's ban; a user who is not banned is left as they are (204, nothing audited). */
  async unban(moderatorId: number, userId: number, reason: string | null): Promise<void> {
    await this.db.transaction(async (manager) => {
      if ((await this.users.existing([userId], manager)).length === 0) throw new UserNotFound();
      if (!(await this.bans.remove(userId, manager))) return;
      await this.audit.record(
        { moderatorId, action: 'user.unban', targetType: 'user', targetId: userId, reason, details: null },
        manager,
      );
    });
    // Told even when nothing was lifted: an instance whose copy still holds a lapsed ban drops it.
    await this.events.publish({ type: 'user.unbanned', userId });
  }

  async auditPage(query: ModerationPageQuery): Promise<AuditPageDto> {
    const beforeId = query.cursor === undefined ? undefined : decodeIdCursor('a', query.cursor);
    const rows = await this.audit.page(query.limit, beforeId);
    return {
      items: rows.slice(0, query.limit).map(toAuditEntryDto),
      next_cursor: nextIdCursor('a', rows, query.limit),
    };
  }
}
