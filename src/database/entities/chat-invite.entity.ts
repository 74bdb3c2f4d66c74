import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Chat } from './chat.entity';
import { User } from './user.entity';

/**
 * An invite link to a chat: a random code (144 bits, base64url), optional expiry and use limit.
 * A join takes a use with one conditional UPDATE in the transaction that adds the member.
 */
@Entity({ name: 'chat_invites' })
@Check('chat_invites_code_check', `code ~ '^[A-Za-z0-9_-]{24}$'`)
@Check('chat_invites_max_uses_check', 'max_uses >= 1')
@Check('chat_invites_uses_check', 'uses >= 0 AND uses <= max_uses')
// A chat's links that are not revoked, newest first, and their count (the per-chat cap).
@Index('chat_invites_chat_idx', ['chatId', 'createdAt'], { where: 'revoked_at IS NULL' })
export class ChatInvite {
  @PrimaryColumn({ type: 'varchar', length: 24, primaryKeyConstraintName: 'chat_invites_pkey' })
  code!: string;

  @Column({ name: 'chat_id', type: 'integer' })
  chatId!: number;

  @ManyToOne(() => Chat, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'chat_id', foreignKeyConstraintName: 'chat_invites_chat_id_fkey' })
  chat?: Chat;

  @Column({ name: 'created_by', type: 'integer' })
  createdBy!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'chat_invites_created_by_fkey' })
  creator?: User;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** NULL: never expires. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  /** NULL: no limit. */
  @Column({ name: 'max_uses', type: 'integer', nullable: true })
  maxUses!: number | null;

  @Column({ type: 'integer', default: 0 })
  uses!: number;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
