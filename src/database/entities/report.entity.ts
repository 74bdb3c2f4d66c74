import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { User } from './user.entity';

export const REPORT_REASONS = ['spam', 'abuse', 'scam', 'animal_cruelty', 'other'] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];
export const REPORT_STATUSES = ['open', 'resolved', 'dismissed'] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/**
 * A user's report of exactly one target (a message, a user or a chat), with a snapshot of the
 * target as it was when reported: the evidence outlives a deleted message. The target ids are
 * plain columns, not foreign keys (see the migration).
 */
@Entity({ name: 'reports' })
@Check('reports_reason_check', `reason IN ('spam', 'abuse', 'scam', 'animal_cruelty', 'other')`)
@Check('reports_status_check', `status IN ('open', 'resolved', 'dismissed')`)
@Check('reports_one_target_check', 'num_nonnulls(message_id, user_id, chat_id) = 1')
// The moderators' queue by status, newest first.
@Index('reports_status_idx', ['status', 'id'])
// A reporter's recent reports (the rate limit).
@Index('reports_reporter_idx', ['reporterId', 'createdAt'])
export class Report {
  @PrimaryGeneratedColumn('identity', {
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'reports_pkey',
  })
  id!: number;

  @Column({ name: 'reporter_id', type: 'integer' })
  reporterId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'reporter_id', foreignKeyConstraintName: 'reports_reporter_id_fkey' })
  reporter?: User;

  @Column({ type: 'varchar', length: 16 })
  reason!: ReportReason;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  comment!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'open' })
  status!: ReportStatus;

  @Column({ name: 'message_id', type: 'integer', nullable: true })
  messageId!: number | null;

  @Column({ name: 'user_id', type: 'integer', nullable: true })
  userId!: number | null;

  @Column({ name: 'chat_id', type: 'integer', nullable: true })
  chatId!: number | null;

  @Column({ name: 'content_snapshot', type: 'jsonb' })
  contentSnapshot!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
