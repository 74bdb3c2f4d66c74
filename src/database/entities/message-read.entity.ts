import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';
import { Message } from './message.entity';

/** Read receipts: who read which message and when, one row per (message, reader). */
@Entity({ name: 'message_read' })
export class MessageRead {
  @PrimaryColumn({ name: 'message_id', type: 'integer' })
  messageId!: number;

  @Index('message_read_user_idx')
  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;

  @ManyToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'message_read_message_id_fkey' })
  message?: Message;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'message_read_user_id_fkey' })
  user?: User;

  @Column({ name: 'read_at', type: 'timestamptz', default: () => 'now()' })
  readAt!: Date;
}
