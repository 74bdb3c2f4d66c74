import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ChatNotFound, Forbidden, NotAMember } from '../common/errors/domain.errors';
import type { MemberRole } from '../database/entities/chat-member.entity';
import { MembersRepository } from '../repositories/members.repository';

export interface Membership {
  chatId: number;
  userId: number;
  role: MemberRole;
  lastReadSeq: number;
}

/**
 * The one access check, for REST and sockets alike: the chat must be live (else 404) and the
 * caller an active member (else 403), with one of `roles` when given (else 403).
 */
@Injectable()
export class MembersAccessService {
  constructor(private readonly members: MembersRepository) {}

  async requireMember(
    chatId: number,
    userId: number,
    roles?: readonly MemberRole[],
    manager?: EntityManager,
  ): Promise<Membership> {
    const row = await this.members.access(chatId, userId, manager);
    if (!row) throw new ChatNotFound();
    if (row.user_id === null || row.removed_at !== null || row.role === null) throw new NotAMember();
    if (roles && !roles.includes(row.role)) throw new Forbidden(`Only ${roles.join(' or ')} may do this`);
    return { chatId, userId, role: row.role, lastReadSeq: row.last_read_seq ?? 0 };
  }

  /**
   * For a read that checked access in its own statement (activeMemberSql, repositories/sql.predicates.ts) and
   * found nothing:
   * throws why (404 for a chat that is not there, 403 for a caller who is not an active member).
   * Access may have been granted since; then it still answers 403, as the read saw it.
   */
  async refuse(chatId: number, userId: number): Promise<never> {
    await this.requireMember(chatId, userId);
    throw new NotAMember();
  }

  /**
   * The chats whose rooms the user's sockets join: those they are an active member of, except a
   * two-person chat whose members block each other.
   */
  roomChatIds(userId: number): Promise<number[]> {
    return this.members.roomChatIds(userId);
  }

  /** roomChatIds of many users in one statement; every user given has an entry. */
  roomChatIdsOf(userIds: readonly number[]): Promise<Map<number, number[]>> {
    return this.members.roomChatIdsOf(userIds);
  }
}
