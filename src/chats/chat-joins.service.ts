import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError, Forbidden } from '../common/errors/domain.errors';
import type { ChatVisibility } from '../database/entities/chat.entity';
import { Admitted, MembersService } from '../members/members.service';
import { MembershipRateLimits } from '../members/membership-rate-limits.service';
import { ChatsRepository } from '../repositories/chats.repository';
import { MembersRepository } from '../repositories/members.repository';
import { ChatViews } from './chat-views.service';
import type { ChatDto } from './dto/chat.dto';

/** The chat as the joiner now sees it; `joined` false when they were an active member already. */
export interface JoinOutcome {
  chat: ChatDto;
  joined: boolean;
}

export interface JoinRules {
  /** The error for a chat that is not live (404). */
  notFound: () => DomainError;
  /**
   * The way in's own rules, under the chat's lock, after the membership checks and before the
   * member is added (a public chat's visibility; an invite's use, taken in this transaction).
   */
  admit: (chat: { visibility: ChatVisibility }, manager: EntityManager) => Promise<void> | void;
}

/**
 * Joining a chat by oneself: through an invite link or a public chat's join. One transaction on
 * the locked chat row, as every membership change: an active member gets the chat (200); someone
 * an owner or admin removed is refused (403) until a manager adds them again; then the way in's
 * own rules, and the add of MembersService (limits, restore, events after the commit).
 */
@Injectable()
export class ChatJoins {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly chats: ChatsRepository,
    private readonly members: MembersRepository,
    private readonly membership: MembersService,
    private readonly views: ChatViews,
    private readonly rateLimits: MembershipRateLimits,
  ) {}

  async join(chatId: number, userId: number, rules: JoinRules): Promise<JoinOutcome> {
    // Joining by oneself is paid from the joiner's MEMBER_ADD_RATE_LIMIT, as adding someone is.
    this.rateLimits.assertMayAdd(userId);
    const { member, chat } = await this.db.transaction(async (manager) => {
      const live = await this.chats.lockLive(chatId, manager);
      if (!live) throw rules.notFound();
      const state = await this.members.state(chatId, userId, manager);
      let added: Admitted | undefined;
      if (!state || state.removed_at) {
        if (state?.removed_by_manager) {
          throw new Forbidden('An owner or admin removed you from this chat: only they can add you back');
        }
        await rules.admit(live, manager);
        added = await this.membership.admit(chatId, userId, manager);
      }
      return { member: added, chat: (await this.views.one(chatId, userId, manager))! };
    });
    if (member) {
      this.rateLimits.added(userId);
      await this.membership.announceAdded(chatId, member);
    }
    return { chat, joined: member !== undefined };
  }
}
