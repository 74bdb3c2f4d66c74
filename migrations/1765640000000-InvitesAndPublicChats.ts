import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 15, items 4 and 5: invite links and public chats.
 *
 * - chat_invites: one row per link. `code` is 18 bytes of crypto randomness in base64url (144
 *   bits, 24 characters: not guessable), the key a join and a preview look up. `uses` counts the
 *   joins; a join takes a use with one UPDATE whose WHERE re-checks revocation, expiry and
 *   `uses < max_uses`, in the transaction that adds the member, so of two people racing for the
 *   last use exactly one gets in (and a failed join gives its use back by rolling back). The
 *   checks are the last word on the counters. The partial index lists a chat's links that are
 *   not revoked, newest first, and counts them for the per-chat cap.
 * - chats.visibility: `private` (default) or `public`. Public live chats are listed newest first
 *   (chats_public_idx) and searched by title with a trigram index (ILIKE, case-insensitive),
 *   both partial, so private chats cost them nothing.
 * - chat_members.removed_by_manager: true when an owner or admin removed the member (false when
 *   they left by themselves); such a member cannot come back through an invite or a public
 *   chat's join until a manager adds them again, which clears it. Rows removed before this
 *   migration count as having left.
 */
export class InvitesAndPublicChats1765640000000 implements MigrationInterface {
  name = 'InvitesAndPublicChats1765640000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE chats
        ADD COLUMN visibility varchar(8) NOT NULL DEFAULT 'private',
        ADD CONSTRAINT chats_visibility_check CHECK (visibility IN ('private', 'public'))`);
    await db.query(
      `CREATE INDEX chats_public_idx ON chats (id) WHERE visibility = 'public' AND deleted_at IS NULL`,
    );
    await db.query(
      `CREATE INDEX chats_public_title_trgm_idx ON chats USING gin (title gin_trgm_ops)
        WHERE visibility = 'public' AND deleted_at IS NULL`,
    );
    await db.query(`
      ALTER TABLE chat_members
        ADD COLUMN removed_by_manager boolean NOT NULL DEFAULT false,
        ADD CONSTRAINT chat_members_removed_by_manager_check CHECK (NOT removed_by_manager OR removed_at IS NOT NULL)`);
    await db.query(`
      CREATE TABLE chat_invites (
        code varchar(24) NOT NULL,
        chat_id integer NOT NULL,
        created_by integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        max_uses integer,
        uses integer NOT NULL DEFAULT 0,
        revoked_at timestamptz,
        CONSTRAINT chat_invites_pkey PRIMARY KEY (code),
        CONSTRAINT chat_invites_chat_id_fkey FOREIGN KEY (chat_id) REFERENCES chats (id) ON DELETE CASCADE,
        CONSTRAINT chat_invites_created_by_fkey FOREIGN KEY (created_by) REFERENCES users (id) ON DELETE CASCADE,
        CONSTRAINT chat_invites_code_check CHECK (code ~ '^[A-Za-z0-9_-]{24}$'),
        CONSTRAINT chat_invites_max_uses_check CHECK (max_uses >= 1),
        CONSTRAINT chat_invites_uses_check CHECK (uses >= 0 AND uses <= max_uses)
      )`);
    await db.query(
      `CREATE INDEX chat_invites_chat_idx ON chat_invites (chat_id, created_at) WHERE revoked_at IS NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE chat_invites`);
    await db.query(`ALTER TABLE chat_members DROP COLUMN removed_by_manager`);
    await db.query(`DROP INDEX chats_public_title_trgm_idx`);
    await db.query(`DROP INDEX chats_public_idx`);
    await db.query(`ALTER TABLE chats DROP COLUMN visibility`);
  }
}
