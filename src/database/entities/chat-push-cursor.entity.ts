import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Up to which seq a chat's messages were considered for Web Push. Written by the push fan-out
 * job only (never by the send path): a chat whose last_seq is past it has messages whose pushes
 * may still be due, which the periodic sweep finds again after a crash. No foreign key (the
 * migration says why), like message_mentions.
 */
@Entity({ name: 'chat_push_cursors' })
export class ChatPushCursor {
  @PrimaryColumn({ name: 'chat_id', type: 'integer', primaryKeyConstraintName: 'chat_push_cursors_pkey' })
  chatId!: number;

  @Column({ name: 'pushed_seq', type: 'integer', default: 0 })
  pushedSeq!: number;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
