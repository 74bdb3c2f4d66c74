import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole messenger schema. Design notes:
 * - messages.seq is per chat and gapless: it is taken from chats.last_seq under that row's lock
 *   in the insert transaction; UNIQUE (chat_id, seq) is the backstop.
 * - Unread counts come from the member's read cursor (last_read_seq), chats.last_seq and the
 *   few deleted messages past the cursor, all index lookups; message_read keeps the receipts.
 * - Soft-deleted and removed rows keep NULL until deleted/removed; partial indexes cover the
 *   live rows that every list reads.
 * - Search is substring, case-insensitive (Latin and Cyrillic), through a trigram GIN index.
 */
export class InitialSchema1763700000000 implements MigrationInterface {
  name = 'InitialSchema1763700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await db.query(`CREATE EXTENSION IF NOT EXISTS btree_gin`);

    await db.query(`
      CREATE TABLE users (
        id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        username      varchar(32) NOT NULL,
        display_name  varchar(64) NOT NULL,
        password_hash text NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_username_key UNIQUE (username),
        CONSTRAINT users_username_check CHECK (username ~ '^[a-z0-9_.-]{3,32}$'),
        CONSTRAINT users_display_name_check CHECK (char_length(display_name) BETWEEN 1 AND 64)
      )`);
    await db.query(`CREATE INDEX users_username_trgm_idx ON users USING gin (username gin_trgm_ops)`);
    await db.query(`CREATE INDEX users_display_name_trgm_idx ON users USING gin (display_name gin_trgm_ops)`);

    await db.query(`
      CREATE TABLE refresh_tokens (
        id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id    integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        family_id  uuid NOT NULL,
        token_hash char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        rotated_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT refresh_tokens_token_hash_key UNIQUE (token_hash)
      )`);
    await db.query(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)`);
    await db.query(`CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id)`);

    await db.query(`
      CREATE TABLE chats (
        id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        chat_type  varchar(16) NOT NULL DEFAULT 'other',
        title      varchar(200),
        post_id    integer,
        created_by integer NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
        member_key text NOT NULL,
        last_seq   integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT chats_chat_type_check CHECK (chat_type IN ('keeper', 'seeker', 'vet', 'response', 'other')),
        CONSTRAINT chats_post_id_check CHECK ((chat_type = 'response') = (post_id IS NOT NULL)),
        CONSTRAINT chats_last_seq_check CHECK (last_seq >= 0)
      )`);
    // "Is there already a live chat of this type with exactly these members?"
    await db.query(
      `CREATE INDEX chats_member_key_idx ON chats (member_key, chat_type, post_id) WHERE deleted_at IS NULL`,
    );

    await db.query(`
      CREATE TABLE chat_members (
        chat_id       integer NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
        user_id       integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        role          varchar(8) NOT NULL,
        joined_at     timestamptz NOT NULL DEFAULT now(),
        removed_at    timestamptz,
        last_read_seq integer NOT NULL DEFAULT 0,
        last_read_at  timestamptz,
        PRIMARY KEY (chat_id, user_id),
        CONSTRAINT chat_members_role_check CHECK (role IN ('owner', 'admin', 'member')),
        CONSTRAINT chat_members_last_read_seq_check CHECK (last_read_seq >= 0)
      )`);
    // The chat list: a user's active memberships.
    await db.query(
      `CREATE INDEX chat_members_user_active_idx ON chat_members (user_id, chat_id) WHERE removed_at IS NULL`,
    );
    // At most one active owner per chat (the services keep it at exactly one).
    await db.query(
      `CREATE UNIQUE INDEX chat_members_one_owner_idx ON chat_members (chat_id) WHERE role = 'owner' AND removed_at IS NULL`,
    );

    await db.query(`
      CREATE TABLE messages (
        id                integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        chat_id           integer NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
        seq               integer NOT NULL,
        sender_id         integer NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
        sender_name       varchar(64) NOT NULL,
        content           text NOT NULL,
        client_message_id varchar(64),
        created_at        timestamptz NOT NULL DEFAULT now(),
        edited_at         timestamptz,
        deleted_at        timestamptz,
        CONSTRAINT messages_chat_seq_key UNIQUE (chat_id, seq),
        CONSTRAINT messages_client_message_id_key UNIQUE (chat_id, sender_id, client_message_id),
        CONSTRAINT messages_seq_check CHECK (seq >= 1),
        CONSTRAINT messages_content_check CHECK (char_length(content) BETWEEN 1 AND 4000),
        CONSTRAINT messages_client_message_id_check CHECK (char_length(client_message_id) BETWEEN 1 AND 64)
      )`);
    // History pages and the last message: live messages of a chat by seq.
    await db.query(
      `CREATE INDEX messages_chat_live_seq_idx ON messages (chat_id, seq) WHERE deleted_at IS NULL`,
    );
    // Unread counts subtract the (few) deleted messages past the reader's cursor.
    await db.query(
      `CREATE INDEX messages_chat_deleted_seq_idx ON messages (chat_id, seq) WHERE deleted_at IS NOT NULL`,
    );
    // Search within one chat: chat_id (btree_gin) and trigrams of the content in one GIN index.
    await db.query(
      `CREATE INDEX messages_chat_content_trgm_idx ON messages USING gin (chat_id, content gin_trgm_ops) WHERE deleted_at IS NULL`,
    );

    await db.query(`
      CREATE TABLE message_read (
        message_id integer NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        user_id    integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        read_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (message_id, user_id)
      )`);
    await db.query(`CREATE INDEX message_read_user_idx ON message_read (user_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS message_read`);
    await db.query(`DROP TABLE IF EXISTS messages`);
    await db.query(`DROP TABLE IF EXISTS chat_members`);
    await db.query(`DROP TABLE IF EXISTS chats`);
    await db.query(`DROP TABLE IF EXISTS refresh_tokens`);
    await db.query(`DROP TABLE IF EXISTS users`);
  }
}
