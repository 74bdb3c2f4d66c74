import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AvatarUrls } from '../auth/avatar-urls.signer';
import { ChatJoins, JoinOutcome } from '../chats/chat-joins.service';
import { toChatSummaryDto } from '../chats/dto/chat.dto';
import { Blocked, DomainError, Forbidden } from '../common/errors/domain.errors';
import { isoOrNull } from '../common/time.util';
import { MembersAccessService } from '../members/members-access.service';
import { isPersonal, MANAGERS, PERSONAL_NO_INVITES } from '../members/member.rules';
import { ChatsRepository } from '../repositories/chats.repository';
import { InvitesRepository } from '../repositories/invites.repository';
import { MembersRepository } from '../repositories/members.repository';
import { CreateInviteDto, InviteDto, InviteListDto, InvitePreviewDto, toInviteDto } from './dto/invite.dto';

/** Links of one chat that still admit someone, at most (also the length of its list). */
export const MAX_INVITES_PER_CHAT = 100;

/** 18 random bytes in base64url: 24 characters, 144 bits. */
const CODE_BYTES = 18;
const CODE_FORMAT = /^[A-Za-z0-9_-]{24}$/;

const inviteNotFound = (): DomainError => new DomainError('invite_not_found', 'Invite link not found');
const inviteExpired = (): DomainError =>
  new DomainError('invite_expired', 'This invite link has expired or has no uses left');

/**
 * Invite links: owners and admins make, list and revoke them; anyone signed in previews one and
 * joins through it (ChatJoins, with the link's use taken in the join's transaction).
 */
@Injectable()
export class InvitesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: MembersAccessService,
    private readonly chats: ChatsRepository,
    private readonly members: MembersRepository,
    private readonly invites: InvitesRepository,
    private readonly joins: ChatJoins,
    private readonly avatars: AvatarUrls,
  ) {}

  /** A new link, by an owner or admin of a group chat (not a two-person one), under the per-chat cap. */
  create(userId: number, chatId: number, input: CreateInviteDto): Promise<InviteDto> {
    return this.db.transaction(async (manager) => {
      await this.chats.lock(chatId, manager);
      await this.access.requireMember(chatId, userId, MANAGERS, manager);
      if (isPersonal(await this.members.activeCount(chatId, manager))) {
        throw new Forbidden(PERSONAL_NO_INVITES);
      }
      if ((await this.invites.countUsable(chatId, manager)) >= MAX_INVITES_PER_CHAT) {
        throw new DomainError(
          'limit_exceeded',
          `A chat may have at most ${MAX_INVITES_PER_CHAT} working invite links: revoke one first`,
          { limit: MAX_INVITES_PER_CHAT },
        );
      }
      const row = await this.invites.create(
        {
          code: randomBytes(CODE_BYTES).toString('base64url'),
          chatId,
          createdBy: userId,
          expiresInSeconds: input.expires_in_seconds ?? null,
          maxUses: input.max_uses ?? null,
        },
        manager,
      );
      return toInviteDto(row);
    });
  }

  async list(userId: number, chatId: number): Promise<InviteListDto> {
    await this.access.requireMember(chatId, userId, MANAGERS);
    const rows = await this.invites.usable(chatId, MAX_INVITES_PER_CHAT);
    return { items: rows.map(toInviteDto) };
  }

  async revoke(userId: number, chatId: number, code: string): Promise<void> {
    await this.access.requireMember(chatId, userId, MANAGERS);
    if (!CODE_FORMAT.test(code) || !(await this.invites.revoke(chatId, code))) throw inviteNotFound();
  }

  /** Title, type, avatar and member count of the link's chat, and the link's expiry: nothing else. */
  async preview(code: string): Promise<InvitePreviewDto> {
    const row = CODE_FORMAT.test(code) ? await this.invites.preview(code) : undefined;
    if (!row) throw inviteNotFound();
    if (!row.usable) throw inviteExpired();
    return {
      chat: toChatSummaryDto(row, this.avatars.avatarUrl(row.avatar_id)),
      expires_at: isoOrNull(row.expires_at),
    };
  }

  /**
   * Joins the link's chat. An active member gets the chat (200) and takes no use. Otherwise the
   * use is taken in the join's transaction, so a join refused later (the member cap) gives it back.
   */
  async join(userId: number, code: string): Promise<JoinOutcome> {
    const chatId = CODE_FORMAT.test(code) ? await this.invites.chatOf(code, this.db.manager) : undefined;
    if (chatId === undefined) throw inviteNotFound();
    return this.joins.join(chatId, userId, {
      notFound: inviteNotFound,
      admit: async (_, manager) => {
        const refusal = await this.invites.takeUse(code, userId, manager);
        if (refusal === 'not_found') throw inviteNotFound();
        if (refusal === 'blocked') {
          throw new Blocked('You and the person who made this link have blocked contact');
        }
        if (refusal === 'expired') throw inviteExpired();
      },
    });
  }
}
