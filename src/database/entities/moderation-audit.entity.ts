import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { User } from './user.entity';

export const AUDIT_ACTIONS = ['report.update', 'message.delete', 'user.ban', 'user.unban'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
export const AUDIT_TARGET_TYPES = ['report', 'message', 'user'] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/**
 * One moderation action: who (`moderator_id`), what (`action`, `details`), to what (`target_type`,
 * `target_id`), when and why (`reason`). Written in the transaction of the action; never changed.
 */
@Entity({ name: 'moderation_audit' })
@Check(
  'moderation_audit_action_check',
  `action IN ('report.update', 'message.delete', 'user.ban', 'user.unban')`,
)
@Check('moderation_audit_target_type_check', `target_type IN ('report', 'message', 'user')`)
export class ModerationAudit {
  @PrimaryGeneratedColumn('identity', {
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'moderation_audit_pkey',
  })
  id!: number;

  @Column({ name: 'moderator_id', type: 'integer' })
  moderatorId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'moderator_id', foreignKeyConstraintName: 'moderation_audit_moderator_id_fkey' })
  moderator?: User;

  @Column({ type: 'varchar', length: 32 })
  action!: AuditAction;

  @Column({ name: 'target_type', type: 'varchar', length: 16 })
  targetType!: AuditTargetType;

  @Column({ name: 'target_id', type: 'integer' })
  targetId!: number;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  details!: Record<string, unknown> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
