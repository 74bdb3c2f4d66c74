import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { Message } from './message.entity';
import { User } from './user.entity';

export type AttachmentKind = 'image' | 'voice' | 'file';

/** An uploaded photo, voice message or file; its bytes are in storage under the two keys. */
@Entity({ name: 'attachments' })
// A forward's copies name the same bytes: the sweep deletes them once no row names the key.
@Index('attachments_storage_key_idx', ['storageKey'])
@Check('attachments_kind_check', `kind IN ('image', 'voice', 'file')`)
@Check('attachments_size_check', 'size_bytes > 0 AND thumbnail_bytes >= 0')
@Check(
  'attachments_dimensions_check',
  `(kind = 'image') = (width IS NOT NULL AND height IS NOT NULL AND thumbnail_key IS NOT NULL)`,
)
@Check('attachments_voice_check', `(kind = 'voice') = (duration_ms IS NOT NULL)`)
@Check('attachments_waveform_check', `waveform IS NULL OR kind = 'voice'`)
@Index('attachments_uploader_live_idx', ['uploaderId'], { where: 'deleted_at IS NULL' })
@Index('attachments_unattached_idx', ['createdAt'], { where: 'attached_at IS NULL' })
@Check(
  'attachments_position_check',
  '(message_id IS NULL) = (position IS NULL) AND (position IS NULL OR position BETWEEN 1 AND 10)',
)
// A message's attachments in order, for the reads that fold them in and for the access rule.
@Index('attachments_message_idx', ['messageId', 'position'], { where: 'message_id IS NOT NULL' })
export class Attachment {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'ALWAYS' })
  id!: number;

  @Column({ name: 'uploader_id', type: 'integer' })
  uploaderId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'uploader_id', foreignKeyConstraintName: 'attachments_uploader_id_fkey' })
  uploader?: User;

  @Column({ type: 'varchar', length: 8 })
  kind!: AttachmentKind;

  @Column({ name: 'mime_type', type: 'varchar', length: 64 })
  mimeType!: string;

  /** Bytes of the stored original (after re-encoding, for images). */
  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes!: number;

  @Column({ type: 'varchar', length: 255, nullable: true })
  name!: string | null;

  @Column({ type: 'integer', nullable: true })
  width!: number | null;

  @Column({ type: 'integer', nullable: true })
  height!: number | null;

  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs!: number | null;

  /** Voice only: up to 128 numbers in 0–1, as the client drew them. */
  @Column({ type: 'jsonb', nullable: true })
  waveform!: number[] | null;

  @Column({ name: 'storage_key', type: 'varchar', length: 200 })
  storageKey!: string;

  @Column({ name: 'thumbnail_key', type: 'varchar', length: 200, nullable: true })
  thumbnailKey!: string | null;

  @Column({ name: 'thumbnail_bytes', type: 'integer', default: 0 })
  thumbnailBytes!: number;

  /** ThumbHash of the image, base64: a blurred preview drawn before the thumbnail arrives. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  placeholder!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'attached_at', type: 'timestamptz', nullable: true })
  attachedAt!: Date | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  /** The message that took it (once), and its place among that message's attachments, 1–10. */
  @Column({ name: 'message_id', type: 'integer', nullable: true })
  messageId!: number | null;

  @ManyToOne(() => Message, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'message_id', foreignKeyConstraintName: 'attachments_message_id_fkey' })
  message?: Message;

  @Column({ type: 'smallint', nullable: true })
  position!: number | null;
}
