import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';

/**
 * A banned user: their tokens are refused, their sockets disconnected, their logins refused,
 * until `until` (NULL: for good) or an unban removes the row. Banning again replaces the row.
 */
@Entity({ name: 'user_bans' })
export class UserBan {
  @PrimaryColumn({ name: 'user_id', type: 'integer', primaryKeyConstraintName: 'user_bans_pkey' })
  userId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'user_bans_user_id_fkey' })
  user?: User;

  @Column({ name: 'banned_by', type: 'integer' })
  bannedBy!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'banned_by', foreignKeyConstraintName: 'user_bans_banned_by_fkey' })
  moderator?: User;

  @Column({ type: 'varchar', length: 500 })
  reason!: string;

  @Column({ type: 'timestamptz', nullable: true })
  until!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
