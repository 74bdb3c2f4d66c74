import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ChatNotFound, Forbidden, NotAMember } from '../common/errors/domain-error';
import type { MemberRole } from './chat-member.entity';

export interface Membership {
  chatId: number;
  userId: number;
  role: MemberRole;
  lastReadSeq: number;
}

interface AccessRow {
  user_id: number | null;
  role: MemberRole | null;
  last_read_seq: number | null;
  removed_at: Date | null;
}

/**
 * The one access check, for REST and sockets alike: the chat must be live (else 404) and the
 * caller an active member (else 403), with one of `roles` when given (else 403).
 */
@Injectable()
export class MembersAccessService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async requireMember(
    chatId: number,
    userId: number,
    roles?: readonly MemberRole[],
    manager: EntityManager = this.db.manager,
  ): Promise<Membership> {
    const rows: AccessRow[] = await manager.query(
      `SELECT m.user_id, m.role, m.last_read_seq, m.removed_at
         FROM chats c
         LEFT JOIN chat_members m ON m.chat_id = c.id AND m.user_id = $2
        WHERE c.id = $1 AND c.deleted_at IS NULL`,
      [chatId, userId],
    );
    const row = rows[0];
    if (!row) throw new ChatNotFound();
    if (row.user_id === null || row.removed_at !== null || row.role === null) throw new NotAMember();
    if (roles && !roles.includes(row.role)) throw new Forbidden(`Only ${roles.join(' or ')} may do this`);
    return { chatId, userId, role: row.role, lastReadSeq: row.last_read_seq ?? 0 };
  }

  /**
   * For a read that checked access in its own statement (activeMemberSql, membership-sql.ts) and
   * found nothing:
   * throws why (404 for a chat that is not there, 403 for a caller who is not an active member).
   * Access may have been granted since; then it still answers 403, as the read saw it.
   */
  async refuse(chatId: number, userId: number): Promise<never> {
    await this.requireMember(chatId, userId);
    throw new NotAMember();
  }

  /** Ids of the live chats the user is an active member of: the rooms their sockets join. */
  async activeChatIds(userId: number): Promise<number[]> {
    const rows: { chat_id: number }[] = await this.db.query(
      `SELECT m.chat_id
         FROM chat_members m
         JOIN chats c ON c.id = m.chat_id AND c.deleted_at IS NULL
        WHERE m.user_id = $1 AND m.removed_at IS NULL`,
      [userId],
    );
    return rows.map((row) => row.chat_id);
  }

  /** activeChatIds of many users in one statement; every user given has an entry. */
  async activeChatIdsOf(userIds: readonly number[]): Promise<Map<number, number[]>> {
    const chats = new Map<number, number[]>(userIds.map((userId) => [userId, []]));
    const rows: { user_id: number; chat_id: number }[] = await this.db.query(
      `SELECT m.user_id, m.chat_id
         FROM chat_members m
         JOIN chats c ON c.id = m.chat_id AND c.deleted_at IS NULL
        WHERE m.user_id = ANY($1::int[]) AND m.removed_at IS NULL`,
      [userIds],
    );
    for (const row of rows) chats.get(row.user_id)?.push(row.chat_id);
    return chats;
  }
}
