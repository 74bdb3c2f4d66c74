import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Message } from './message.entity';
import { User } from './user.entity';

/**
 * One person's reaction to a message: one emoji grapheme. A person may add several different
 * emoji to one message, each once (the key). messages.reaction_count counts the rows.
 */
@Entity({ name: 'message_reactions' })
@Check('message_reactions_emoji_check', 'octet_length(emoji) BETWEEN 1 AND 64')
export class MessageReaction {
  @PrimaryColumn({ name: 'message_id', type: 'integer', primaryKeyConstraintName: 'message_reactions_pkey' })
  messageId!: number;

  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'message_reactions_pkey' })
  emoji!: string;

  @PrimaryColumn({ name: 'user_id', type: 'integer', primaryKeyConstraintName: 'message_reactions_pkey' })
  userId!: number;

  @ManyToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'message_reactions_message_id_fkey' })
  message?: Message;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'message_reactions_user_id_fkey' })
  user?: User;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
