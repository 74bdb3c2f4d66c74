import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { Chat } from './chat.entity';
import { User } from './user.entity';

@Entity({ name: 'messages' })
// Also history pages and the last message: live messages of a chat by seq, deleted_at filtered.
@Unique('messages_chat_seq_key', ['chatId', 'seq'])
@Unique('messages_client_message_id_key', ['chatId', 'senderId', 'clientMessageId'])
// Single-column rules are in the columns' domains, message_seq, message_content, client_message_id,
// attachment_count and reaction_count (migration 1766200000000, SendPathDomains): PostgreSQL rebuilds a table's CHECKs for every
// statement that writes to it, a domain's rules once a session.
@Check(
  'messages_content_check',
  'char_length(content) >= 1 OR attachment_count IS NOT NULL OR location IS NOT NULL',
)
// Unread counts subtract the (few) deleted messages past the reader's cursor.
@Index('messages_chat_deleted_seq_idx', ['chatId', 'seq'], { where: 'deleted_at IS NOT NULL' })
// The messages of a chat that have attachments: deleting the chat marks those deleted.
@Index('messages_chat_attachments_idx', ['chatId'], { where: 'attachment_count IS NOT NULL' })
// Search: by the trigram index of message_search_segments (MessageSearchSegment), none here.
export class Message {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'ALWAYS' })
  id!: number;

  @Column({ name: 'chat_id', type: 'integer' })
  chatId!: number;

  @ManyToOne(() => Chat, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'chat_id', foreignKeyConstraintName: 'messages_chat_id_fkey' })
  chat?: Chat;

  /** Per chat, from 1, gapless; unique with chat_id. */
  @Column({ type: 'integer' })
  seq!: number;

  @Column({ name: 'sender_id', type: 'integer' })
  senderId!: number;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'sender_id', foreignKeyConstraintName: 'messages_sender_id_fkey' })
  sender?: User;

  /** The sender's display name at send time. */
  @Column({ name: 'sender_name', type: 'varchar', length: 64 })
  senderName!: string;

  @Column({ type: 'text' })
  content!: string;

  @Column({ name: 'client_message_id', type: 'varchar', length: 64, nullable: true })
  clientMessageId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'edited_at', type: 'timestamptz', nullable: true })
  editedAt!: Date | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  /** How many attachments the message has, 1–10; NULL (no byte in the row) when none. */
  @Column({ name: 'attachment_count', type: 'smallint', nullable: true })
  attachmentCount!: number | null;

  /**
   * The attachments as every Message shows them (a JSON array of AttachmentRow with positions),
   * written by the send statement with the message; NULL when none.
   */
  @Column({ type: 'json', nullable: true })
  attachments!: Record<string, unknown>[] | null;

  /** The message of the same chat this one answers; its preview is read with it. NULL when none. */
  @Column({ name: 'reply_to_id', type: 'integer', nullable: true })
  replyToId!: number | null;

  /** The message this one copies (the first of a chain of forwards), in any chat. NULL when none. */
  @Column({ name: 'forwarded_from_id', type: 'integer', nullable: true })
  forwardedFromId!: number | null;

  /** `{latitude, longitude, accuracy_m, label}`; NULL when none. */
  @Column({ type: 'jsonb', nullable: true })
  location!: { latitude: number; longitude: number; accuracy_m: number | null; label: string | null } | null;

  /** Ids of the users mentioned (active members at send time); NULL when none. */
  @Column({ type: 'integer', array: true, nullable: true })
  mentions!: number[] | null;

  /** How many reactions (rows of message_reactions) the message has; NULL (no byte in the row) when none. */
  @Column({ name: 'reaction_count', type: 'integer', nullable: true })
  reactionCount!: number | null;

  /**
   * The reactions' summary every Message shows (ReactionsRepository.summarize, StoredReaction):
   * per emoji how many, and who when the message has few reactions; NULL when none.
   */
  @Column({ type: 'json', nullable: true })
  reactions!: { emoji: string; count: number; users?: number[] }[] | null;
}
