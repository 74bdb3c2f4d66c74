import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';

/**
 * Read receipts as ranges: one row per move of a member's read cursor, covering the seqs it
 * passed (from_seq = the cursor before + 1, to_seq = the cursor after) and when. A cursor only
 * moves forward, so a member's rows end at distinct seqs; "who read seq S" is, per member, the
 * first row ending at or after S, if it starts at or before S (ReadStateRepository.receipts).
 * No foreign key to chats (its key-share lock would wait on a sending batch's chat lock while the
 * member row is held) nor to messages (no row per message any more).
 */
@Entity({ name: 'message_read_ranges' })
// from_seq and to_seq are message_seq (>= 1, a domain: see message.entity.ts).
@Check('message_read_ranges_seq_check', 'from_seq <= to_seq')
export class MessageReadRange {
  @PrimaryColumn({ name: 'chat_id', type: 'integer' })
  chatId!: number;

  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;

  @PrimaryColumn({ name: 'to_seq', type: 'integer' })
  toSeq!: number;

  @Column({ name: 'from_seq', type: 'integer' })
  fromSeq!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'message_read_ranges_user_id_fkey' })
  user?: User;

  @Column({ name: 'read_at', type: 'timestamptz', default: () => 'now()' })
  readAt!: Date;
}
