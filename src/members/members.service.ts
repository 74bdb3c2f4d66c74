import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ChatViews } from '../chats/chat-views';
import { DomainError, Forbidden, UserNotFound } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { DomainEvent, DomainEventBus } from '../events/domain-events';
import type { MemberRole } from './chat-member.entity';
import { MemberDto, MemberListDto, MemberRow, toMemberDto } from './dto/member.dto';
import { MembersAccessService } from './members-access.service';
import { MANAGERS, nextOwner, removalRefusal, roleChangeRefusal } from './member-rules';
import {
  assertChatsPerUser,
  assertMembersPerChat,
  lockChat,
  MEMBER_ORDER,
  touchMembership,
} from './membership-sql';

const MEMBER_SELECT = `
  SELECT m.user_id, u.username, u.display_name, m.role, m.joined_at, m.last_read_seq
    FROM chat_members m JOIN users u ON u.id = m.user_id`;

interface MemberState {
  role: MemberRole;
  joined_at: Date;
  removed_at: Date | null;
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
    private readonly views: ChatViews,
    private readonly events: DomainEventBus,
    private readonly config: AppConfig,
  ) {}

  async list(userId: number, chatId: number): Promise<MemberListDto> {
    await this.access.requireMember(chatId, userId);
    const rows: MemberRow[] = await this.db.query(
      `${MEMBER_SELECT} WHERE m.chat_id = $1 AND m.removed_at IS NULL ORDER BY ${MEMBER_ORDER}`,
      [chatId],
    );
    return { items: rows.map(toMemberDto) };
  }

  /** Adds a user, or restores a removed member (as a plain member, keeping their read cursor). */
  async add(actorId: number, chatId: number, userId: number): Promise<MemberDto> {
    const { member, views } = await this.db.transaction(async (manager) => {
      await lockChat(manager, chatId);
      await this.access.requireMember(chatId, actorId, MANAGERS, manager);
      const [user]: { id: number }[] = await manager.query('SELECT id FROM users WHERE id = $1', [userId]);
      if (!user) throw new UserNotFound();
      const state = await this.state(manager, chatId, userId);
      if (state && !state.removed_at)
        throw new DomainError('already_a_member', 'This user is already a member');
      await assertChatsPerUser(manager, [userId], this.config.maxChatsPerUser);
      await manager.query(
        `INSERT INTO chat_members (chat_id, user_id, role) VALUES ($1, $2, 'member')
         ON CONFLICT (chat_id, user_id)
         DO UPDATE SET role = 'member', removed_at = NULL, joined_at = now()`,
        [chatId, userId],
      );
      assertMembersPerChat(await touchMembership(manager, chatId), this.config.maxMembersPerChat);
      return {
        member: await this.member(manager, chatId, userId),
        views: await this.views.forAllMembers(chatId, manager),
      };
    });
    this.publish([
      { type: 'member.added', chatId, member },
      { type: 'chat.updated', chatId, views },
    ]);
    return member;
  }

  async updateRole(actorId: number, chatId: number, userId: number, role: MemberRole): Promise<MemberDto> {
    const { member, events } = await this.db.transaction(async (manager) => {
      await lockChat(manager, chatId);
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
        await manager.query(`UPDATE chat_members SET role = 'admin' WHERE chat_id = $1 AND user_id = $2`, [
          chatId,
          actorId,
        ]);
        changed.push({ type: 'member.updated', chatId, member: await this.member(manager, chatId, actorId) });
      }
      await manager.query('UPDATE chat_members SET role = $3 WHERE chat_id = $1 AND user_id = $2', [
        chatId,
        userId,
        role,
      ]);
      await touchMembership(manager, chatId);
      const updated = await this.member(manager, chatId, userId);
      changed.unshift({ type: 'member.updated', chatId, member: updated });
      changed.push({ type: 'chat.updated', chatId, views: await this.views.forAllMembers(chatId, manager) });
      return { member: updated, events: changed };
    });
    this.publish(events);
    return member;
  }

  /**
   * Removes a member, or lets the caller leave. An owner who leaves hands ownership to the
   * longest-standing admin, else member; the last member leaving deletes the chat.
   */
  async remove(actorId: number, chatId: number, userId: number): Promise<void> {
    const events = await this.db.transaction(async (manager) => {
      await lockChat(manager, chatId);
      const actor = await this.access.requireMember(chatId, actorId, undefined, manager);
      const target = await this.activeState(manager, chatId, userId);
      if (actorId !== userId) {
        const refusal = removalRefusal(actor.role, target.role);
        if (refusal) throw new Forbidden(refusal);
      }
      await manager.query(
        `UPDATE chat_members SET removed_at = now(), role = 'member' WHERE chat_id = $1 AND user_id = $2`,
        [chatId, userId],
      );
      const removed: DomainEvent = { type: 'member.removed', chatId, userId };
      const remaining: { user_id: number; role: MemberRole; joined_at: Date }[] = await manager.query(
        'SELECT user_id, role, joined_at FROM chat_members WHERE chat_id = $1 AND removed_at IS NULL',
        [chatId],
      );
      if (remaining.length === 0) {
        await manager.query('UPDATE chats SET deleted_at = now(), member_key = $2 WHERE id = $1', [
          chatId,
          '',
        ]);
        const deleted: DomainEvent = { type: 'chat.deleted', chatId, memberIds: [userId] };
        return [removed, deleted];
      }
      const events: DomainEvent[] = [removed];
      if (target.role === 'owner') {
        const heir = nextOwner(
          remaining.map((m) => ({ userId: m.user_id, role: m.role, joinedAt: m.joined_at })),
        )!;
        await manager.query(`UPDATE chat_members SET role = 'owner' WHERE chat_id = $1 AND user_id = $2`, [
          chatId,
          heir.userId,
        ]);
        events.push({
          type: 'member.updated',
          chatId,
          member: await this.member(manager, chatId, heir.userId),
        });
      }
      await touchMembership(manager, chatId);
      events.push({ type: 'chat.updated', chatId, views: await this.views.forAllMembers(chatId, manager) });
      return events;
    });
    this.publish(events);
  }

  private publish(events: DomainEvent[]): void {
    for (const event of events) this.events.publish(event);
  }

  private async state(
    manager: EntityManager,
    chatId: number,
    userId: number,
  ): Promise<MemberState | undefined> {
    const rows: MemberState[] = await manager.query(
      'SELECT role, joined_at, removed_at FROM chat_members WHERE chat_id = $1 AND user_id = $2',
      [chatId, userId],
    );
    return rows[0];
  }

  private async activeState(manager: EntityManager, chatId: number, userId: number): Promise<MemberState> {
    const state = await this.state(manager, chatId, userId);
    if (!state || state.removed_at)
      throw new DomainError('member_not_found', 'This user is not a member of the chat');
    return state;
  }

  private async member(manager: EntityManager, chatId: number, userId: number): Promise<MemberDto> {
    const [row]: MemberRow[] = await manager.query(
      `${MEMBER_SELECT} WHERE m.chat_id = $1 AND m.user_id = $2`,
      [chatId, userId],
    );
    return toMemberDto(row);
  }
}
