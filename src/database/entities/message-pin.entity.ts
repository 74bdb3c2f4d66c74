import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Message } from './message.entity';
import { User } from './user.entity';

/**
 * A pinned message (pinning twice is one pin), in its chat, by whom and when. No foreign key to
 * chats: its key-share lock would wait on a sending batch's chat lock.
 */
@Entity({ name: 'message_pins' })
// A chat's pins, newest first (read backwards), and their count.
@Index('message_pins_chat_idx', ['chatId', 'pinnedAt', 'messageId'])
export class MessagePin {
  @PrimaryColumn({ name: 'message_id', type: 'integer', primaryKeyConstraintName: 'message_pins_pkey' })
  messageId!: number;

  @ManyToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'message_pins_message_id_fkey' })
  message?: Message;

  @Column({ name: 'chat_id', type: 'integer' })
  chatId!: number;

  @Column({ name: 'pinned_by', type: 'integer' })
  pinnedBy!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pinned_by', foreignKeyConstraintName: 'message_pins_pinned_by_fkey' })
  pinner?: User;

  @Column({ name: 'pinned_at', type: 'timestamptz', default: () => 'now()' })
  pinnedAt!: Date;
}
