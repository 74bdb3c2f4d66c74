import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 15, items 2 and 3: reports, bans and the moderation audit.
 *
 * - reports: what a user reported (exactly one target: a message, a user or a chat) with a
 *   snapshot of it taken in the insert (`content_snapshot`), so deleting the message does not
 *   destroy the evidence. No foreign key to messages or chats: the snapshot is the record, and a
 *   key-share lock on a chat row would wait on a sending batch's chat lock. The status index
 *   pages the moderators' queue newest first; the reporter index counts a reporter's recent
 *   reports for the rate limit.
 * - user_bans: one row per banned user (a ban again replaces it); `until` NULL bans for good. An
 *   expired row stays until the next ban or unban replaces or removes it: every read asks
 *   `until IS NULL OR until > now()`.
 * - moderation_audit: every moderation action (who, what, target, when, why), written in the
 *   transaction of the action itself, never updated; paged newest first by its key.
 */
export class Moderation1765620000000 implements MigrationInterface {
  name = 'Moderation1765620000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE reports (
        id integer GENERATED ALWAYS AS IDENTITY,
        reporter_id integer NOT NULL,
        reason varchar(16) NOT NULL,
        comment varchar(1000),
        status varchar(16) NOT NULL DEFAULT 'open',
        message_id integer,
        user_id integer,
        chat_id integer,
        content_snapshot jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT reports_pkey PRIMARY KEY (id),
        CONSTRAINT reports_reporter_id_fkey FOREIGN KEY (reporter_id) REFERENCES users (id) ON DELETE CASCADE,
        CONSTRAINT reports_reason_check CHECK (reason IN ('spam', 'abuse', 'scam', 'animal_cruelty', 'other')),
        CONSTRAINT reports_status_check CHECK (status IN ('open', 'resolved', 'dismissed')),
        CONSTRAINT reports_one_target_check CHECK (num_nonnulls(message_id, user_id, chat_id) = 1)
      )`);
    await db.query(`CREATE INDEX reports_status_idx ON reports (status, id)`);
    await db.query(`CREATE INDEX reports_reporter_idx ON reports (reporter_id, created_at)`);
    await db.query(`
      CREATE TABLE user_bans (
        user_id integer NOT NULL,
        banned_by integer NOT NULL,
        reason varchar(500) NOT NULL,
        until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT user_bans_pkey PRIMARY KEY (user_id),
        CONSTRAINT user_bans_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
        CONSTRAINT user_bans_banned_by_fkey FOREIGN KEY (banned_by) REFERENCES users (id) ON DELETE CASCADE
      )`);
    await db.query(`
      CREATE TABLE moderation_audit (
        id integer GENERATED ALWAYS AS IDENTITY,
        moderator_id integer NOT NULL,
        action varchar(32) NOT NULL,
        target_type varchar(16) NOT NULL,
        target_id integer NOT NULL,
        reason varchar(500),
        details jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT moderation_audit_pkey PRIMARY KEY (id),
        CONSTRAINT moderation_audit_moderator_id_fkey
          FOREIGN KEY (moderator_id) REFERENCES users (id) ON DELETE CASCADE,
        CONSTRAINT moderation_audit_action_check
          CHECK (action IN ('report.update', 'message.delete', 'user.ban', 'user.unban')),
        CONSTRAINT moderation_audit_target_type_check CHECK (target_type IN ('report', 'message', 'user'))
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE moderation_audit`);
    await db.query(`DROP TABLE user_bans`);
    await db.query(`DROP TABLE reports`);
  }
}
