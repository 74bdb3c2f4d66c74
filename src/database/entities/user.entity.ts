import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';

export const EMAIL_DIGESTS = ['off', 'hourly', 'daily'] as const;
export type EmailDigest = (typeof EMAIL_DIGESTS)[number];
export const LOCALES = ['ru', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

@Entity({ name: 'users' })
@Unique('users_username_key', ['username'])
@Check('users_username_check', `username ~ '^[a-z0-9_.-]{3,32}$'`)
@Check('users_display_name_check', 'char_length(display_name) BETWEEN 1 AND 64')
@Check('users_email_digest_check', `email_digest IN ('off', 'hourly', 'daily')`)
@Check('users_locale_check', `locale IN ('ru', 'en')`)
@Check('users_email_digest_email_check', `email_digest = 'off' OR email IS NOT NULL`)
// User search: trigram GIN indexes (the operator class gin_trgm_ops is the migration's; TypeORM
// cannot express one, it compares the name, type and columns).
@Index('users_username_trgm_idx', ['username'], { type: 'gin' })
@Index('users_display_name_trgm_idx', ['displayName'], { type: 'gin' })
// Whose avatar an attachment is: the read rule of avatars, and the SET NULL when its row goes.
@Index('users_avatar_id_idx', ['avatarId'], { where: 'avatar_id IS NOT NULL' })
// The users the digest scan looks at.
@Index('users_email_digest_idx', ['id'], { where: `email_digest <> 'off'` })
export class User {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'ALWAYS' })
  id!: number;

  @Column({ type: 'varchar', length: 32 })
  username!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 64 })
  displayName!: string;

  /** NULL for a platform user (issue 17): no local password, a login never verifies. */
  @Column({ name: 'password_hash', type: 'text', nullable: true, select: false })
  passwordHash!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
  /** The user's avatar: an image attachment (marked attached); NULL when none. */
  @Column({ name: 'avatar_id', type: 'integer', nullable: true })
  // By name, not a relation: the attachments entity already points at this one.
  @ForeignKey('Attachment', { name: 'users_avatar_id_fkey', onDelete: 'SET NULL' })
  avatarId!: number | null;

  /** Where e-mail digests go; NULL: none. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  @Column({ name: 'email_digest', type: 'varchar', length: 8, default: 'off' })
  emailDigest!: EmailDigest;

  /** The language of pushes and e-mails. */
  @Column({ type: 'varchar', length: 2, default: 'ru' })
  locale!: Locale;
}
