import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The local user a platform identity is linked to. */
export interface LinkedUser {
  id: number;
  username: string;
}

/** A platform identity seen for the first time: who to make of it. */
export interface NewPlatformUser {
  issuer: string;
  externalId: string;
  /** Usernames to try in turn (the first free one is taken); each already valid. */
  usernames: Iterable<string>;
  displayName: string;
}

const LINKED_USER = `
  SELECT u.id, u.username FROM user_identities i JOIN users u ON u.id = i.user_id
  WHERE i.issuer = $1 AND i.external_id = $2`;

/** Every link of one identity hashes to one advisory lock (class 17: issue 17's). */
const PROVISION_LOCK_CLASS = 17;

/** user_identities: platform users (issuer, external id) and the local users made for them. */
@Injectable()
export class UserIdentitiesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async findUser(issuer: string, externalId: string): Promise<LinkedUser | undefined> {
    const rows: LinkedUser[] = await this.db.query(LINKED_USER, [issuer, externalId]);
    return rows[0];
  }

  /**
   * The user linked to the identity, made (without a password) when there is none yet. Race-safe:
   * first sights of one identity queue on an advisory lock and the later ones find the link the
   * first made; the link's key (ON CONFLICT) is the last word should the lock ever be bypassed.
   * A username already taken (ON CONFLICT on users_username_key) moves on to the next candidate.
   */
  provision(user: NewPlatformUser): Promise<LinkedUser> {
    return this.db
      .transaction(async (manager) => {
        await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
          PROVISION_LOCK_CLASS,
          `${user.issuer}\n${user.externalId}`,
        ]);
        const [linked]: LinkedUser[] = await manager.query(LINKED_USER, [user.issuer, user.externalId]);
        if (linked) return linked;
        let created: LinkedUser | undefined;
        for (const username of user.usernames) {
          [created] = await manager.query<LinkedUser[]>(
            `INSERT INTO users (username, display_name, password_hash) VALUES ($1, $2, NULL)
             ON CONFLICT ON CONSTRAINT users_username_key DO NOTHING RETURNING id, username`,
            [username, user.displayName],
          );
          if (created) break;
        }
        if (!created) throw new Error('no free username for a platform user');
        const [link]: unknown[] = await manager.query(
          `INSERT INTO user_identities (issuer, external_id, user_id) VALUES ($1, $2, $3)
         ON CONFLICT ON CONSTRAINT user_identities_pkey DO NOTHING RETURNING user_id`,
          [user.issuer, user.externalId, created.id],
        );
        // Linked meanwhile past the lock: undo this user (the transaction) and take that link.
        if (!link) throw new LinkedMeanwhile();
        return created;
      })
      .catch(async (error: unknown) => {
        if (!(error instanceof LinkedMeanwhile)) throw error;
        const linked = await this.findUser(user.issuer, user.externalId);
        if (!linked) throw new Error('platform identity link vanished');
        return linked;
      });
  }
}

class LinkedMeanwhile extends Error {}
