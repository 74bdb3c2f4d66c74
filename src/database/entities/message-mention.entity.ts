import { Entity, PrimaryColumn } from 'typeorm';

/**
 * A mention of a user in a message, by (user, chat, seq): a chat's unread_mentions_count for a
 * reader is an index-only count of their rows past their read cursor. Written by the send
 * statement, deleted with the message (soft delete). No foreign keys, like message_read_ranges:
 * a key-share lock on chats would wait on a sending batch's chat lock; the message's chat and
 * the user are checked when the row is written.
 */
@Entity({ name: 'message_mentions' })
export class MessageMention {
  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;

  @PrimaryColumn({ name: 'chat_id', type: 'integer' })
  chatId!: number;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;
}
