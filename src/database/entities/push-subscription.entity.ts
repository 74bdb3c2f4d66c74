import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { User } from './user.entity';

/**
 * A browser's Web Push subscription (PushSubscription.toJSON()) of a user: where pushes for them
 * go, with the keys that encrypt them (RFC 8291). Several per user (phone, laptop); one per
 * endpoint. Deleted when the push service answers 404 or 410, or by its user.
 */
@Entity({ name: 'push_subscriptions' })
@Unique('push_subscriptions_endpoint_key', ['endpoint'])
@Index('push_subscriptions_user_idx', ['userId'])
export class PushSubscription {
  @PrimaryGeneratedColumn('identity', {
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'push_subscriptions_pkey',
  })
  id!: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'push_subscriptions_user_id_fkey' })
  user?: User;

  @Column({ type: 'text' })
  endpoint!: string;

  /** The browser's ECDH P-256 public key, base64url. */
  @Column({ type: 'varchar', length: 128 })
  p256dh!: string;

  /** The browser's authentication secret, base64url. */
  @Column({ type: 'varchar', length: 64 })
  auth!: string;

  @Column({ name: 'expiration_time', type: 'timestamptz', nullable: true })
  expirationTime!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
