import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17, item 1: users of the platform's tokens. A platform user is linked to a local user by
 * (issuer, external id): the key makes the first sight race-safe (two first requests at once
 * insert one link; the other finds it). The issuer is AUTH_EXTERNAL_ISSUER, or `platform` for
 * shared-secret tokens when it is unset. Such a user has no local password: password_hash becomes
 * nullable (NULL never verifies; login answers 401 as for a wrong password).
 */
const UNKNOWN_PASSWORD_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$hAdgJd4nvRi6+wafZ/QhWQ$G7rkfui0TEwxByRjmO5HLNDxLa4pMqhMs427LdCPOL8';

export class PlatformIdentities1765900000000 implements MigrationInterface {
  name = 'PlatformIdentities1765900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL`);
    await db.query(`
      CREATE TABLE user_identities (
        issuer      varchar(255) NOT NULL,
        external_id varchar(255) NOT NULL,
        user_id     integer NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT user_identities_pkey PRIMARY KEY (issuer, external_id),
        CONSTRAINT user_identities_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX user_identities_user_id_idx ON user_identities (user_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE user_identities`);
    // Platform users keep their accounts (their chats and messages), with a password nobody knows:
    // the argon2id hash of 32 random bytes thrown away when it was made.
    await db.query(`UPDATE users SET password_hash = $1 WHERE password_hash IS NULL`, [
      UNKNOWN_PASSWORD_HASH,
    ]);
    await db.query(`ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL`);
  }
}
