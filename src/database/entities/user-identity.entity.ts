import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';

/**
 * A platform user (issue 17): the (issuer, external id) of the platform's tokens, linked to the
 * local user made on first sight. The key makes that first sight race-safe.
 */
@Entity({ name: 'user_identities' })
@Index('user_identities_user_id_idx', ['userId'])
export class UserIdentity {
  @PrimaryColumn({ type: 'varchar', length: 255, primaryKeyConstraintName: 'user_identities_pkey' })
  issuer!: string;

  @PrimaryColumn({
    name: 'external_id',
    type: 'varchar',
    length: 255,
    primaryKeyConstraintName: 'user_identities_pkey',
  })
  externalId!: string;

  @Column({ name: 'user_id', type: 'integer' })
  userId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'user_identities_user_id_fkey' })
  user?: User;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
