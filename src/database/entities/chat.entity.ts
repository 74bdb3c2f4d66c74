import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { User } from './user.entity';

export const CHAT_TYPES = ['keeper', 'seeker', 'vet', 'response', 'other'] as const;
export type ChatType = (typeof CHAT_TYPES)[number];

export const CHAT_VISIBILITIES = ['private', 'public'] as const;
export type ChatVisibility = (typeof CHAT_VISIBILITIES)[number];

@Entity({ name: 'chats' })
// Single-column rules are in the columns' domains, chat_type, chat_visibility and message_seq_or_zero
// (migration 1766200000000, SendPathDomains): PostgreSQL rebuilds a table's CHECKs for every
// statement that writes to it, a domain's rules once a session.
@Check('chats_post_id_check', `(chat_type = 'response') = (post_id IS NOT NULL)`)
// "Is there already a live chat of this type with exactly these members?"
@Index('chats_member_key_idx', ['memberKey', 'chatType', 'postId'])
// Whose avatar an attachment is: the read rule of avatars, and the SET NULL when its row goes.
@Index('chats_avatar_id_idx', ['avatarId'], { where: 'avatar_id IS NOT NULL' })
// The public chats, newest first, and their search by title (trigram GIN: the operator class
// gin_trgm_ops is the migration's; TypeORM cannot express one, it compares the name, type and columns).
@Index('chats_public_idx', ['id'], { where: `visibility = 'public' AND deleted_at IS NULL` })
@Index('chats_public_title_trgm_idx', ['title'], {
  type: 'gin',
  where: `visibility = 'public' AND deleted_at IS NULL`,
})
export class Chat {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'ALWAYS' })
  id!: number;

  @Column({ name: 'chat_type', type: 'varchar', length: 16, default: 'other' })
  chatType!: ChatType;

  @Column({ type: 'varchar', length: 200, nullable: true })
  title!: string | null;

  /** The lost/found-animal post a `response` chat answers; the post lives in the platform. */
  @Column({ name: 'post_id', type: 'integer', nullable: true })
  postId!: number | null;

  @Column({ name: 'created_by', type: 'integer' })
  createdBy!: number;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'chats_created_by_fkey' })
  creator?: User;

  /** Sorted ids of the active members, comma-separated: finds "the chat with exactly these people". */
  @Column({ name: 'member_key', type: 'text' })
  memberKey!: string;

  /** The seq of the newest message; the next message takes last_seq + 1 under this row's lock. */
  @Column({ name: 'last_seq', type: 'integer', default: 0 })
  lastSeq!: number;

  /** The highest seq the chat's search blocks cover (0 for none), written with the blocks. */
  @Column({ name: 'search_covered_seq', type: 'integer', default: 0 })
  searchCoveredSeq!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
  /** The chat's avatar: an image attachment (marked attached); NULL when none. */
  @Column({ name: 'avatar_id', type: 'integer', nullable: true })
  // By name, not a relation: the attachments entity already points at this one.
  @ForeignKey('Attachment', { name: 'chats_avatar_id_fkey', onDelete: 'SET NULL' })
  avatarId!: number | null;

  /** `public`: listed by GET /chats/public, and anyone may join. */
  @Column({ type: 'varchar', length: 8, default: 'private' })
  visibility!: ChatVisibility;
}
