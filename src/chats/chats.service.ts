import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AvatarAttachments } from '../attachments/avatar-attachments.service';
import { Blocked, DomainError, Forbidden, ValidationFailed } from '../common/errors/domain.errors';
import { AppConfig } from '../config/app.config';
import { DomainEventBus } from '../events/domain-events.bus';
import { MembersAccessService } from '../members/members-access.service';
import { canDeleteChat, isPersonal, MANAGERS, OWNER, PERSONAL_NOT_PUBLIC } from '../members/member.rules';
import { assertMembersPerChat, assertNoneAtChatLimit, memberKey } from '../members/membership-limits.rules';
import { MembershipRateLimits } from '../members/membership-rate-limits.service';
import { BlocksRepository } from '../repositories/blocks.repository';
import { ChatsRepository } from '../repositories/chats.repository';
import { MembersRepository } from '../repositories/members.repository';
import { UsersRepository } from '../repositories/users.repository';
import { ChatViews } from './chat-views.service';
import {
  toChatNotificationsDto,
  type ChatDto,
  type ChatNotificationsDto,
  type ChatPageDto,
} from './dto/chat.dto';
import type {
  CreateChatDto,
  ListChatsQuery,
  UpdateChatDto,
  UpdateChatNotificationsDto,
} from './dto/chat-input.dto';

@Injectable()
export class ChatsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: MembersAccessService,
    private readonly views: ChatViews,
    private readonly chats: ChatsRepository,
    private readonly members: MembersRepository,
    private readonly users: UsersRepository,
    private readonly events: DomainEventBus,
    private readonly config: AppConfig,
    private readonly avatars: AvatarAttachments,
    private readonly blocks: BlocksRepository,
    private readonly rateLimits: MembershipRateLimits,
  ) {}

  list(userId: number, query: ListChatsQuery): Promise<ChatPageDto> {
    return this.views.page(userId, { chatType: query.chat_type, limit: query.limit, cursor: query.cursor });
  }

  /** The caller's own notification level and mute for the chat (active members only). */
  async setNotifications(
    userId: number,
    chatId: number,
    input: UpdateChatNotificationsDto,
  ): Promise<ChatNotificationsDto> {
    const mutedUntil = input.muted_until ? new Date(input.muted_until) : null;
    const row = await this.members.setNotifications(chatId, userId, input.level, mutedUntil);
    if (!row) return this.access.refuse(chatId, userId);
    return toChatNotificationsDto(row.notify_level, row.muted_until);
  }

  async get(userId: number, chatId: number): Promise<ChatDto> {
    return (await this.views.one(chatId, userId)) ?? this.access.refuse(chatId, userId);
  }

  /**
   * One transaction. Creates under an advisory lock on the (type, post, members) key, so that of
   * two racing creates of the same chat one wins and the other gets 409 chat_exists. Refused with
   * 403 `blocked` (`details.user_ids`) when the creator and one of the members block each other
   * (either way), checked in the insert itself; a two-person chat is created under the lock of
   * its pair, so a block racing it either refuses it or finds it. Paid from the creator's
   * CHAT_CREATE_RATE_LIMIT and MEMBER_ADD_RATE_LIMIT; MAX_CHATS_PER_USER counts the creator's own
   * chats only.
   */
  async create(userId: number, input: CreateChatDto): Promise<ChatDto> {
    const chatType = input.chat_type ?? 'other';
    if (chatType === 'response' && input.post_id === undefined) {
      throw ValidationFailed.field('post_id', 'post_id is required for a response chat');
    }
    if (chatType !== 'response' && input.post_id !== undefined) {
      throw ValidationFailed.field('post_id', 'post_id is only for response chats');
    }
    const memberIds = [...new Set([userId, ...input.member_ids])];
    assertMembersPerChat(memberIds.length, this.config.maxMembersPerChat);
    const visibility = input.visibility ?? 'private';
    if (visibility === 'public' && isPersonal(memberIds.length)) {
      throw ValidationFailed.field('visibility', PERSONAL_NOT_PUBLIC);
    }
    const others = memberIds.filter((id) => id !== userId);
    this.rateLimits.assertMayCreate(userId, others.length);
    const key = memberKey(memberIds);
    const postId = input.post_id ?? null;

    const { chatId, view } = await this.db.transaction(async (manager) => {
      const known = await this.users.existing(memberIds, manager);
      const unknown = memberIds.filter((id) => !known.includes(id));
      if (unknown.length > 0) {
        throw new ValidationFailed(
          unknown.map((id) => ({ field: 'member_ids', message: `user ${id} does not exist` })),
        );
      }
      await this.chats.lockCreation(`${chatType}:${postId}:${key}`, manager);
      if (others.length === 1) await this.blocks.lockPairs([[userId, others[0]]], manager);
      const existing = await this.chats.findLiveByMembers(key, chatType, postId, manager);
      if (existing !== undefined) {
        throw new DomainError('chat_exists', 'A chat with exactly these members already exists', {
          chat_id: existing,
        });
      }
      assertNoneAtChatLimit(
        await this.members.usersAtChatLimit([userId], this.config.maxChatsPerUser, manager),
        this.config.maxChatsPerUser,
      );
      const chatId = await this.chats.create(
        { chatType, title: input.title ?? null, postId, createdBy: userId, memberKey: key, visibility },
        others,
        manager,
      );
      if (chatId === undefined) {
        throw new Blocked('A block between you and one of these users prevents this chat', {
          user_ids: await this.blocks.blockedAmong(userId, others, manager),
        });
      }
      await this.members.addAll(chatId, userId, memberIds, manager);
      return { chatId, view: (await this.views.one(chatId, userId, manager))! };
    });
    this.rateLimits.created(userId, others.length);
    await this.events.publish({ type: 'chat.created', chatId, memberIds });
    return view;
  }

  /**
   * Title and avatar, by the owner or an admin; visibility, by the owner. An absent field stays
   * as it is.
   */
  async update(userId: number, chatId: number, input: UpdateChatDto): Promise<ChatDto> {
    if (input.title === undefined && input.avatar_id === undefined && input.visibility === undefined) {
      throw new ValidationFailed(
        ['title', 'avatar_id', 'visibility'].map((field) => ({
          field,
          message: 'give at least one of title, avatar_id, visibility',
        })),
      );
    }
    const view = await this.db.transaction(async (manager) => {
      await this.chats.lock(chatId, manager);
      await this.access.requireMember(
        chatId,
        userId,
        input.visibility === undefined ? MANAGERS : OWNER,
        manager,
      );
      if (input.visibility !== undefined) {
        if (input.visibility === 'public' && isPersonal(await this.members.activeCount(chatId, manager))) {
          throw new Forbidden(PERSONAL_NOT_PUBLIC);
        }
        await this.chats.setVisibility(chatId, input.visibility, manager);
      }
      if (input.title !== undefined) await this.chats.rename(chatId, input.title, manager);
      if (input.avatar_id !== undefined) {
        const current = await this.chats.avatarOf(chatId, manager);
        const avatarId = await this.avatars.replace(userId, current, input.avatar_id, manager);
        if (avatarId !== current) await this.chats.setAvatar(chatId, avatarId, manager);
      }
      return (await this.views.one(chatId, userId, manager))!;
    });
    await this.events.publish({ type: 'chat.updated', chatId });
    return view;
  }

  /** Soft delete, for every member at once. */
  async remove(userId: number, chatId: number): Promise<void> {
    const memberIds = await this.db.transaction(async (manager) => {
      await this.chats.lock(chatId, manager);
      const me = await this.access.requireMember(chatId, userId, undefined, manager);
      const members = await this.members.standings(chatId, manager);
      if (!canDeleteChat(me.role, members.length)) {
        throw new Forbidden('Only the owner or an admin may delete this chat');
      }
      await this.chats.softDelete(chatId, manager);
      return members.map((row) => row.user_id);
    });
    await this.events.publish({ type: 'chat.deleted', chatId, memberIds });
  }
}
