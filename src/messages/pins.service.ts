import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AttachmentsService } from '../attachments/attachments.service';
import { DomainError, Forbidden, MessageNotFound } from '../common/errors/domain.errors';
import { DomainEventBus } from '../events/domain-events.bus';
import { MembersAccessService } from '../members/members-access.service';
import { canPin } from '../members/member.rules';
import { MembersRepository } from '../repositories/members.repository';
import { PinsRepository } from '../repositories/pins.repository';
import { PinListDto } from './dto/pin.dto';
import { toMessageDto } from './dto/message.dto';

/** Pinned messages one chat may have. */
export const MAX_PINS_PER_CHAT = 50;

/** Pins: any member lists them; owner and admins (any member of a two-person chat) change them. */
@Injectable()
export class PinsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly pins: PinsRepository,
    private readonly access: MembersAccessService,
    private readonly members: MembersRepository,
    private readonly attachments: AttachmentsService,
    private readonly events: DomainEventBus,
  ) {}

  /** The chat's pinned live messages, newest pin first, as the caller sees them. */
  async list(userId: number, chatId: number): Promise<PinListDto> {
    await this.access.requireMember(chatId, userId);
    const rows = await this.pins.list(chatId, userId);
    const signed = this.attachments.signedAt();
    return { items: rows.map((row) => toMessageDto(row, signed)) };
  }

  /** Pins (`pinned`) or unpins a live message of the chat; pinning twice is one pin. */
  async set(userId: number, chatId: number, messageId: number, pinned: boolean): Promise<void> {
    const changed = await this.db.transaction(async (manager) => {
      await this.requirePinner(userId, chatId, manager);
      if (!pinned) {
        if (!(await this.pins.unpin(chatId, messageId, manager))) {
          throw new DomainError('not_found', 'This message is not pinned');
        }
        return true;
      }
      const outcome = await this.pins.pin(chatId, messageId, userId, MAX_PINS_PER_CHAT, manager);
      if (outcome === 'no_message') throw new MessageNotFound();
      if (outcome === 'full') {
        throw new DomainError(
          'limit_exceeded',
          `A chat may have at most ${MAX_PINS_PER_CHAT} pinned messages`,
          {
            limit: MAX_PINS_PER_CHAT,
          },
        );
      }
      return outcome === 'pinned';
    });
    if (changed) {
      await this.events.publish({
        type: pinned ? 'message.pinned' : 'message.unpinned',
        chatId,
        messageId,
        userId,
      });
    }
  }

  private async requirePinner(userId: number, chatId: number, manager: EntityManager): Promise<void> {
    const me = await this.access.requireMember(chatId, userId, undefined, manager);
    if (!canPin(me.role, await this.members.activeCount(chatId, manager))) {
      throw new Forbidden('Only the owner or an admin may pin or unpin messages in this chat');
    }
  }
}
