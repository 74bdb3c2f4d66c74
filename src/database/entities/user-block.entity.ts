import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';

/**
 * A block: `blocker` wants no personal contact with `blocked`. It works both ways (neither can
 * open a personal chat with the other, add the other to a chat, or send in a two-person chat
 * they share), so every check probes the key in both directions.
 */
@Entity({ name: 'user_blocks' })
@Check('user_blocks_not_self_check', 'blocker_id <> blocked_id')
// Who blocked a user.
@Index('user_blocks_blocked_idx', ['blockedId', 'blockerId'])
export class UserBlock {
  @PrimaryColumn({ name: 'blocker_id', type: 'integer', primaryKeyConstraintName: 'user_blocks_pkey' })
  blockerId!: number;

  @PrimaryColumn({ name: 'blocked_id', type: 'integer', primaryKeyConstraintName: 'user_blocks_pkey' })
  blockedId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'blocker_id', foreignKeyConstraintName: 'user_blocks_blocker_id_fkey' })
  blocker?: User;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'blocked_id', foreignKeyConstraintName: 'user_blocks_blocked_id_fkey' })
  blocked?: User;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
