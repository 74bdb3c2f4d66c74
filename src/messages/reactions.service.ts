import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError, MessageNotFound } from '../common/errors/domain.errors';
import { DomainEventBus } from '../events/domain-events.bus';
import { MembersAccessService } from '../members/members-access.service';
import { ReactionsRepository } from '../repositories/reactions.repository';
import { ReactionsDto, toReactionDto } from './dto/reaction.dto';
import { parseEmoji } from './emoji.rules';

/** Different emoji one message may carry. */
export const MAX_DISTINCT_REACTIONS = 20;

/** Reactions to messages: add or remove one emoji of the caller's, REST and socket alike. */
@Injectable()
export class ReactionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly reactions: ReactionsRepository,
    private readonly members: MembersAccessService,
    private readonly events: DomainEventBus,
  ) {}

  /**
   * Adds (`on`) or removes the caller's `emoji` on a live message of the chat; idempotent either
   * way. One transaction holding the message row, so reactions to it are serialized; the room
   * hears of a change (message:reactions) after the commit, and only of a change.
   */
  async react(
    userId: number,
    chatId: number,
    messageId: number,
    raw: unknown,
    on: boolean,
  ): Promise<ReactionsDto> {
    const emoji = parseEmoji(raw);
    const { changed, rows } = await this.db.transaction(async (manager) => {
      await this.members.requireMember(chatId, userId, undefined, manager);
      if (!(await this.reactions.lockLive(chatId, messageId, manager))) throw new MessageNotFound();
      let changed: boolean;
      if (on) {
        const outcome = await this.reactions.add(messageId, emoji, userId, MAX_DISTINCT_REACTIONS, manager);
        if (outcome === 'full') {
          throw new DomainError(
            'limit_exceeded',
            `A message may carry at most ${MAX_DISTINCT_REACTIONS} different emoji`,
            { limit: MAX_DISTINCT_REACTIONS },
          );
        }
        changed = outcome === 'added';
      } else {
        changed = await this.reactions.remove(messageId, emoji, userId, manager);
      }
      return { changed, rows: await this.reactions.summarize(messageId, userId, changed, manager) };
    });
    const reactions = rows.map(toReactionDto);
    if (changed) {
      await this.events.publish({
        type: 'message.reactions',
        chatId,
        messageId,
        userId,
        emoji,
        on,
        reactions: reactions.map(({ emoji: shown, count }) => ({ emoji: shown, count })),
      });
    }
    return { reactions };
  }
}
