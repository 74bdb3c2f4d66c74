import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AvatarUrls } from '../auth/avatar-urls.signer';
import { Blocked, DomainError, Forbidden, UserNotFound } from '../common/errors/domain.errors';
import { AppConfig } from '../config/app.config';
import type { MemberRole } from '../database/entities/chat-member.entity';
import { DomainEvent, DomainEventBus } from '../events/domain-events.bus';
import { BlocksRepository } from '../repositories/blocks.repository';
import { ChatsRepository } from '../repositories/chats.repository';
import { MembersRepository, MemberStateRow } from '../repositories/members.repository';
import { UsersRepository } from '../repositories/users.repository';
import { MemberDto, MemberListDto, toMemberDto } from './dto/member.dto';
import { MembersAccessService } from './members-access.service';
import { MANAGERS, nextOwner, removalRefusal, roleChangeRefusal } from './member.rules';
import { assertMembersPerChat, assertNoneAtChatLimit } from './membership-limits.rules';
import { MembershipRateLimits } from './membership-rate-limits.service';

/** What admit() did: the member, and the blocked pair of a two-person chat it ended or made. */
export interface Admitted {
  member: MemberDto;
  unblocked?: [number, number];
  blocked?: [number, number];
}

/**
 * Membership changes. Each runs in one transaction that first locks the chat row, so changes to
 * one chat are serialized and the "exactly one owner" rule holds; events follow the commit.
 */
@Injectable()
export class MembersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: MembersAccessService,
    private readonly chats: ChatsRepository,
    private readonly members: MembersRepository,
    private readonly users: UsersRepository,
    private readonly events: DomainEventBus,
    private readonly config: AppConfig,
    private readonly avatars: AvatarUrls,
    private readonly blocks: BlocksRepository,
    private readonly rateLimits: MembershipRateLimits,
  ) {}

  async list(userId: number, chatId: number): Promise<MemberListDto> {
    await this.access.requireMember(chatId, userId);
    const now = Date.now();
    const rows = await this.members.list(chatId);
    return { items: rows.map((row) => toMemberDto(row, this.avatars.avatarUrl(row.avatar_id, now))) };
  }

  /**
   * Adds a user, or restores a removed member (as a plain member, keeping their read cursor).
   * Refused with 403 `blocked` when the caller and the user block each other (either way),
   * checked in the insert itself, under the lock of their pair; paid from the caller's
   * MEMBER_ADD_RATE_LIMIT. A third person added to a two-person chat whose members block each
   * other makes it a group: the two hear its room again.
   */
  async add(actorId: number, chatId: number, userId: number): Promise<MemberDto> {
    this.rateLimits.assertMayAdd(actorId);
    const admitted = await this.db.transaction(async (manager) => {
      await this.chats.lock(chatId, manager);
      await this.access.requireMember(chatId, actorId, MANAGERS, manager);
      if ((await this.users.existing([userId], manager)).length === 0) throw new UserNotFound();
      const state = await this.members.state(chatId, userId, manager);
      if (state && !state.removed_at)
        throw new DomainError('already_a_member', 'This user is already a member');
      return this.admit(chatId, userId, manager, actorId);
    });
    this.rateLimits.added(actorId);
    await this.announceAdded(chatId, admitted);
    return admitted.member;
  }

  /**
   * The common end of every way into a chat (added by a manager, an invite link, a public chat's
   * join), in the caller's transaction with the chat row locked (ChatsRepository.lock): the
   * user's chat limit, the row added or restored (forgetting a removal by a manager) unless
   * `actorId` (who adds them; null for a join by oneself) and they block each other (403
   * `blocked`), the member cap (409 limit_exceeded, after which the caller's transaction rolls
   * everything back). Under the locks of the pairs involved (BlocksRepository.lockBlockedPair),
   * it reports whether the change ended a blocked two-person chat or made one.
   */
  async admit(
    chatId: number,
    userId: number,
    manager: EntityManager,
    actorId: number | null = null,
  ): Promise<Admitted> {
    const unblocked = await this.blocks.lockBlockedPair(
      chatId,
      manager,
      actorId === null ? undefined : [actorId, userId],
    );
    assertNoneAtChatLimit(
      await this.members.usersAtChatLimit([userId], this.config.maxChatsPerUser, manager, chatId),
      this.config.maxChatsPerUser,
    );
    if (!(await this.members.addOrRestore(chatId, userId, actorId, manager))) throw new Blocked();
    assertMembersPerChat(await this.members.touch(chatId, manager), this.config.maxMembersPerChat);
    // A join into a chat of one can leave two people who block each other alone together.
    const blocked = unblocked ? undefined : await this.blocks.lockBlockedPair(chatId, manager);
    return { member: await this.member(manager, chatId, userId), unblocked, blocked };
  }

  /**
   * After the commit of admit(): the two members of a blocked two-person chat that the newcomer
   * ended hear its room again (first), member:added to the chat room (the new member's sockets
   * join it first, on every instance), chat:updated to every member, and the two of a blocked
   * two-person chat the change made stop hearing the room.
   */
  announceAdded(chatId: number, { member, unblocked, blocked }: Admitted): Promise<void> {
    const events: DomainEvent[] = unblocked
      ? [{ type: 'chat.blocked', chatId, userIds: unblocked, blocked: false }]
      : [];
    events.push({ type: 'member.added', chatId, member }, { type: 'chat.updated', chatId });
    if (blocked) events.push({ type: 'chat.blocked', chatId, userIds: blocked, blocked: true });
    return this.events.publish(...events);
  }

  async updateRole(actorId: number, chatId: number, userId: number, role: MemberRole): Promise<MemberDto> {
    const { member, events } = await this.db.transaction(async (manager) => {
      await this.chats.lock(chatId, manager);
      const actor = await this.access.requireMember(chatId, actorId, MANAGERS, manager);
      const target = await this.activeState(manager, chatId, userId);
      if (actorId === userId) {
        if (target.role !== role) throw new Forbidden('You cannot change your own role');
      } else {
        const refusal = roleChangeRefusal(actor.role, target.role, role);
        if (refusal) throw new Forbidden(refusal);
      }
      const changed: DomainEvent[] = [];
      if (role === 'owner' && target.role !== 'owner') {
        // Hand-over: the old owner steps down to admin first (one active owner at any time).
        await this.members.setRole(chatId, actorId, 'admin', manager);
        changed.push({ type: 'member.updated', chatId, member: await this.member(manager, chatId, actorId) });
      }
      await this.members.setRole(chatId, userId, role, manager);
      await this.members.touch(chatId, manager);
      const updated = await this.member(manager, chatId, userId);
      changed.unshift({ type: 'member.updated', chatId, member: updated });
      changed.push({ type: 'chat.updated', chatId });
      return { member: updated, events: changed };
    });
    await this.events.publish(...events);
    return member;
  }

  /**
   * Removes a member, or lets the caller leave. An owner who leaves hands ownership to the
   * longest-standing admin, else member; the last member leaving deletes the chat. Two left
   * alone who block each other stop hearing the chat's room; one left alone by the other of a
   * blocked pair hears it again.
   */
  async remove(actorId: number, chatId: number, userId: number): Promise<void> {
    const events = await this.db.transaction(async (manager) => {
      await this.chats.lock(chatId, manager);
      const actor = await this.access.requireMember(chatId, actorId, undefined, manager);
      const target = await this.activeState(manager, chatId, userId);
      if (actorId !== userId) {
        const refusal = removalRefusal(actor.role, target.role);
        if (refusal) throw new Forbidden(refusal);
      }
      const wasShut = await this.blocks.lockBlockedPair(chatId, manager);
      await this.members.remove(chatId, userId, actorId !== userId, manager);
      const removed: DomainEvent = { type: 'member.removed', chatId, userId };
      const remaining = await this.members.standings(chatId, manager);
      if (remaining.length === 0) {
        await this.chats.softDelete(chatId, manager);
        const deleted: DomainEvent = { type: 'chat.deleted', chatId, memberIds: [userId] };
        return [removed, deleted];
      }
      const events: DomainEvent[] = [removed];
      if (wasShut) {
        // The one left hears the room again, from the removal on.
        const userIds = remaining.map((m) => m.user_id);
        events.unshift({ type: 'chat.blocked', chatId, userIds, blocked: false });
      }
      if (target.role === 'owner') {
        const heir = nextOwner(
          remaining.map((m) => ({ userId: m.user_id, role: m.role, joinedAt: m.joined_at })),
        )!;
        await this.members.setRole(chatId, heir.userId, 'owner', manager);
        events.push({
          type: 'member.updated',
          chatId,
          member: await this.member(manager, chatId, heir.userId),
        });
      }
      await this.members.touch(chatId, manager);
      events.push({ type: 'chat.updated', chatId });
      // Left alone together: if they block each other, neither hears the chat's room any more.
      const shut = await this.blocks.lockBlockedPair(chatId, manager);
      if (shut) events.push({ type: 'chat.blocked', chatId, userIds: shut, blocked: true });
      return events;
    });
    await this.events.publish(...events);
  }

  private async activeState(manager: EntityManager, chatId: number, userId: number): Promise<MemberStateRow> {
    const state = await this.members.state(chatId, userId, manager);
    if (!state || state.removed_at)
      throw new DomainError('member_not_found', 'This user is not a member of the chat');
    return state;
  }

  private async member(manager: EntityManager, chatId: number, userId: number): Promise<MemberDto> {
    const row = (await this.members.one(chatId, userId, manager))!;
    return toMemberDto(row, this.avatars.avatarUrl(row.avatar_id));
  }
}
