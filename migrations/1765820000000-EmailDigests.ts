import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16, e-mail digests. `email_digests` keeps, per user, when the last digest was sent and up
 * to when it covered messages: the digest job decides to send and records it in one transaction
 * on that row (locked), so a retried or restarted job, or a second scan, never sends a second
 * digest within the user's interval, and the next digest waits for a message newer than what the
 * last one announced. A digest needs an address (the check); the partial index is the scan's
 * list of users with digests on.
 */
export class EmailDigests1765820000000 implements MigrationInterface {
  name = 'EmailDigests1765820000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE email_digests (
        user_id integer NOT NULL,
        sent_at timestamptz NOT NULL,
        covered_until timestamptz NOT NULL,
        CONSTRAINT email_digests_pkey PRIMARY KEY (user_id),
        CONSTRAINT email_digests_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
      )`);
    await db.query(`UPDATE users SET email_digest = 'off' WHERE email IS NULL AND email_digest <> 'off'`);
    await db.query(`
      ALTER TABLE users
        ADD CONSTRAINT users_email_digest_email_check CHECK (email_digest = 'off' OR email IS NOT NULL)`);
    await db.query(`CREATE INDEX users_email_digest_idx ON users (id) WHERE email_digest <> 'off'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX users_email_digest_idx`);
    await db.query(`ALTER TABLE users DROP CONSTRAINT users_email_digest_email_check`);
    await db.query(`DROP TABLE email_digests`);
  }
}
