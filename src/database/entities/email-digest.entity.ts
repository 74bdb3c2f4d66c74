import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';

/** The last e-mail digest a user was sent (issue 16): one row per user, from their first digest on. */
@Entity({ name: 'email_digests' })
export class EmailDigestState {
  @PrimaryColumn({ name: 'user_id', type: 'integer', primaryKeyConstraintName: 'email_digests_pkey' })
  userId!: number;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'email_digests_user_id_fkey' })
  user?: User;

  /** When the last digest was sent (claimed): the next one waits a whole interval from here. */
  @Column({ name: 'sent_at', type: 'timestamptz' })
  sentAt!: Date;

  /** Messages created up to this were announced by it; the next digest needs a newer one. */
  @Column({ name: 'covered_until', type: 'timestamptz' })
  coveredUntil!: Date;
}
