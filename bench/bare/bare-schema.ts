/**
 * The bare baseline's own database: the least a hand-written chat needs for the scenarios, and
 * nothing of the service's schema (its search index, partial indexes, foreign keys, receipts).
 * Messages are keyed by (chat_id, seq); chats carry last_seq; memberships the read cursor. Ids are
 * the service's (the bench copies users, chats and memberships over, see mirrorToBare), so
 * that the same tokens and chat ids work on both servers. `deleted_at` is there because the
 * unread and search scenarios soft-delete messages and a hand-written chat would have to as well.
 */
export const BARE_SCHEMA_SQL = `
  CREATE TABLE users (
    id int PRIMARY KEY,
    username text NOT NULL,
    display_name text
  );
  CREATE TABLE chats (
    id int PRIMARY KEY,
    chat_type text NOT NULL,
    title text,
    post_id int,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    last_seq int NOT NULL DEFAULT 0
  );
  CREATE TABLE chat_members (
    chat_id int NOT NULL,
    user_id int NOT NULL,
    role text NOT NULL,
    joined_at timestamptz NOT NULL DEFAULT now(),
    last_read_seq int NOT NULL DEFAULT 0,
    PRIMARY KEY (chat_id, user_id)
  );
  CREATE INDEX chat_members_user ON chat_members (user_id);
  CREATE TABLE messages (
    chat_id int NOT NULL,
    seq int NOT NULL,
    sender_id int NOT NULL,
    sender_name text,
    content text NOT NULL,
    client_message_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    PRIMARY KEY (chat_id, seq)
  );
  -- The deleted messages past a read cursor, for unread counts: a message is inserted live, so
  -- this index costs a send nothing.
  CREATE INDEX messages_deleted ON messages (chat_id, seq) WHERE deleted_at IS NOT NULL;`;

/**
 * Only the search scenario needs an index for `ILIKE '%word%'`: made for it and dropped after it,
 * so that no other scenario's floor pays for it per insert.
 */
export const BARE_SEARCH_INDEX_SQL = `
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
  CREATE INDEX IF NOT EXISTS messages_content_trgm ON messages USING gin (content gin_trgm_ops);
  ANALYZE messages`;

export const DROP_BARE_SEARCH_INDEX_SQL = `DROP INDEX IF EXISTS messages_content_trgm`;

/**
 * What a hand-written chat needs for the rich history page (a reply, a photo and reactions on
 * every message), made for that step only: a message's reply by seq, its attachments and its
 * reactions, each keyed by the message's (chat_id, seq). The reply column is NULL on every other
 * row (no byte: the row has a null bitmap already).
 */
export const BARE_RICH_SCHEMA_SQL = `
  ALTER TABLE messages ADD COLUMN IF NOT EXISTS reply_to_seq int;
  CREATE TABLE IF NOT EXISTS attachments (
    id int PRIMARY KEY,
    chat_id int NOT NULL,
    seq int NOT NULL,
    position smallint NOT NULL,
    kind text NOT NULL,
    mime_type text NOT NULL,
    size_bytes int NOT NULL,
    name text,
    width int,
    height int,
    duration_ms int,
    waveform jsonb,
    thumbnail_key text,
    placeholder text,
    created_at timestamptz NOT NULL
  );
  CREATE INDEX IF NOT EXISTS attachments_message ON attachments (chat_id, seq, position);
  CREATE TABLE IF NOT EXISTS reactions (
    chat_id int NOT NULL,
    seq int NOT NULL,
    emoji text NOT NULL,
    user_id int NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, seq, emoji, user_id)
  )`;
