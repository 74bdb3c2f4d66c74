import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16: the settings notifications read (GET/PATCH /users/me/settings): the address digests
 * go to (NULL: none), how often (`off`, `hourly`, `daily`) and the language of pushes and e-mails
 * (`ru`, the platform's own, or `en`). Constant defaults: PostgreSQL adds the columns without
 * rewriting the table.
 */
export class UserSettings1765800000000 implements MigrationInterface {
  name = 'UserSettings1765800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE users
        ADD COLUMN email varchar(254),
        ADD COLUMN email_digest varchar(8) NOT NULL DEFAULT 'off',
        ADD COLUMN locale varchar(2) NOT NULL DEFAULT 'ru',
        ADD CONSTRAINT users_email_digest_check CHECK (email_digest IN ('off', 'hourly', 'daily')),
        ADD CONSTRAINT users_locale_check CHECK (locale IN ('ru', 'en'))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE users
        DROP COLUMN locale,
        DROP COLUMN email_digest,
        DROP COLUMN email`);
  }
}
