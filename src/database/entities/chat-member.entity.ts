import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Chat } from './chat.entity';
import { User } from './user.entity';

export const MEMBER_ROLES = ['owner', 'admin', 'member'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];
export const NOTIFY_LEVELS = ['all', 'mentions', 'none'] as const;
export type NotifyLevel = (typeof NOTIFY_LEVELS)[number];

/** Membership with soft removal: a removed member keeps the row (and read cursor) with removed_at set. */
@Entity({ name: 'chat_members' })
// Single-column rules are in the columns' domains, member_role, notify_level and message_seq_or_zero
// (migration 1766200000000, SendPathDomains): PostgreSQL rebuilds a table's CHECKs for every
// statement that writes to it, a domain's rules once a session.
@Check('chat_members_removed_by_manager_check', 'NOT removed_by_manager OR removed_at IS NOT NULL')
// The chat list: a user's memberships (whole, not partial: see migration 1764700000000).
@Index('chat_members_user_idx', ['userId', 'chatId'])
// At most one active owner per chat (the services keep it at exactly one).
@Index('chat_members_one_owner_idx', ['chatId'], {
  unique: true,
  where: `role = 'owner' AND removed_at IS NULL`,
})
export class ChatMember {
  @PrimaryColumn({ name: 'chat_id', type: 'integer' })
  chatId!: number;

  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;

  @ManyToOne(() => Chat, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'chat_id', foreignKeyConstraintName: 'chat_members_chat_id_fkey' })
  chat?: Chat;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'chat_members_user_id_fkey' })
  user?: User;

  @Column({ type: 'varchar', length: 8 })
  role!: MemberRole;

  @Column({ name: 'joined_at', type: 'timestamptz', default: () => 'now()' })
  joinedAt!: Date;

  @Column({ name: 'removed_at', type: 'timestamptz', nullable: true })
  removedAt!: Date | null;

  /**
   * Removed by an owner or admin (not left by themselves): no way back through an invite or a
   * public chat's join until a manager adds them again.
   */
  @Column({ name: 'removed_by_manager', type: 'boolean', default: false })
  removedByManager!: boolean;

  @Column({ name: 'last_read_seq', type: 'integer', default: 0 })
  lastReadSeq!: number;

  @Column({ name: 'last_read_at', type: 'timestamptz', nullable: true })
  lastReadAt!: Date | null;

  /** Which messages of the chat push to this member: NULL is `all` (no byte in the row). */
  @Column({ name: 'notify_level', type: 'varchar', length: 8, nullable: true })
  notifyLevel!: NotifyLevel | null;

  /** No push for this chat before this time; NULL: not muted. */
  @Column({ name: 'muted_until', type: 'timestamptz', nullable: true })
  mutedUntil!: Date | null;
}
