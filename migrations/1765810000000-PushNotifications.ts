import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16, Web Push:
 * - chat_members.notify_level / muted_until: a member's notification level for the chat (NULL:
 *   `all`, the default) and a mute until a time (NULL: none). NULL-able without defaults, so the
 *   columns cost no byte in the rows of members who never change them (the hot rows the send path
 *   updates) and PostgreSQL adds them without rewriting the table.
 * - push_subscriptions: the browsers' PushSubscription of each user (several per user), unique
 *   by endpoint (the same browser subscribing again replaces its keys).
 * - chat_push_cursors: up to which seq each chat's messages were considered for pushes. Written by
 *   the push fan-out job only, never by the send path; a chat whose last_seq is past its cursor has
 *   messages whose push may still be due (found again after a crash: see README, "Web Push").
 *   No foreign key, like message_mentions: its key-share lock on the chat row would make the
 *   chat's sends (which lock that row FOR UPDATE) wait for a fan-out's transaction. Chats are only
 *   ever soft-deleted, so a cursor never outlives its chat's row.
 */
export class PushNotifications1765810000000 implements MigrationInterface {
  name = 'PushNotifications1765810000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE chat_members
        ADD COLUMN notify_level varchar(8),
        ADD COLUMN muted_until timestamptz,
        ADD CONSTRAINT chat_members_notify_level_check CHECK (notify_level IN ('all', 'mentions', 'none'))`);
    await db.query(`
      CREATE TABLE push_subscriptions (
        id integer GENERATED ALWAYS AS IDENTITY,
        user_id integer NOT NULL,
        endpoint text NOT NULL,
        p256dh varchar(128) NOT NULL,
        auth varchar(64) NOT NULL,
        expiration_time timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT push_subscriptions_pkey PRIMARY KEY (id),
        CONSTRAINT push_subscriptions_endpoint_key UNIQUE (endpoint),
        CONSTRAINT push_subscriptions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
      )`);
    await db.query('CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_id)');
    await db.query(`
      CREATE TABLE chat_push_cursors (
        chat_id integer NOT NULL,
        pushed_seq integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT chat_push_cursors_pkey PRIMARY KEY (chat_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE chat_push_cursors');
    await db.query('DROP TABLE push_subscriptions');
    await db.query(`
      ALTER TABLE chat_members
        DROP CONSTRAINT chat_members_notify_level_check,
        DROP COLUMN muted_until,
        DROP COLUMN notify_level`);
  }
}
