import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Chat } from './chat.entity';

/**
 * Up to which seq a chat's messages were considered for Web Push. Written by the push fan-out
 * job only (never by the send path): a chat whose last_seq is past it has messages whose pushes
 * may still be due, which the periodic sweep finds again after a crash.
 */
@Entity({ name: 'chat_push_cursors' })
export class ChatPushCursor {
  @PrimaryColumn({ name: 'chat_id', type: 'integer', primaryKeyConstraintName: 'chat_push_cursors_pkey' })
  chatId!: number;

  @ManyToOne(() => Chat, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'chat_id', foreignKeyConstraintName: 'chat_push_cursors_chat_id_fkey' })
  chat?: Chat;

  @Column({ name: 'pushed_seq', type: 'integer', default: 0 })
  pushedSeq!: number;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
