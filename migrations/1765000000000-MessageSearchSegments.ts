import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 12, item 2: the search index per block of messages instead of per message
 * (docs/perf-messages-write.md has the figures). messages_chat_content_trgm_idx put every
 * trigram of every message into a GIN index in the send transaction (pending-list append and
 * amortized merges: about 1.5 kB of WAL per message, half of all, and a foreground merge every
 * ~3,700 messages). message_search_segments holds the lower-cased contents of 64 consecutive
 * messages of a chat per row (MessageSearchRepository), built after the sends, so a trigram is
 * indexed once per block; edits add a row of their own. The blocks of existing messages are built
 * here; down() drops the table and restores the per-message index.
 *
 * No foreign key to chats: its key-share lock would wait on a sending batch's chat lock.
 * The trigram index's pending list is capped at 1 MB (4 MB by default): the table is about 6x
 * smaller than messages, and with 4 MB pending the planner read every block of a 100,000-message
 * chat (~9 MB of text, 100-200 ms) instead of the index for a rare word; 1 MB costs ~300 B of WAL
 * per message more in merges (the builder's, never a send's), still a third of before.
 * No btree leads with chat_id for all rows (the primary key leads with first_seq, the index of a
 * chat's blocks is partial): a search's candidate rows are then found by the trigram index, never
 * by filtering all the chat's rows with LIKE, which the planner costs far below its real price
 * (detoasting and scanning ~90 kB of text per 1,000 messages) whenever the GIN pending list is long.
 */
const SEGMENT = 64;

export class MessageSearchSegments1765000000000 implements MigrationInterface {
  name = 'MessageSearchSegments1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE message_search_segments (
        chat_id   integer NOT NULL,
        first_seq integer NOT NULL,
        last_seq  integer NOT NULL,
        content   text NOT NULL,
        CONSTRAINT message_search_segments_pkey PRIMARY KEY (first_seq, last_seq, chat_id),
        CONSTRAINT message_search_segments_seq_check CHECK (first_seq >= 1 AND first_seq <= last_seq)
      )`);
    // Every chat's complete blocks of SEGMENT seqs (SEARCH_SEGMENT_SIZE when this was written; the
    // same rows as BUILD_ALL_SEGMENTS_SQL), the live contents lower-cased, joined by newlines.
    await db.query(`
      INSERT INTO message_search_segments (chat_id, first_seq, last_seq, content)
      SELECT m.chat_id, (m.seq - 1) / ${SEGMENT} * ${SEGMENT} + 1, (m.seq - 1) / ${SEGMENT} * ${SEGMENT} + ${SEGMENT},
             coalesce(string_agg(lower(m.content), E'\\n' ORDER BY m.seq) FILTER (WHERE m.deleted_at IS NULL), '')
        FROM messages m
        JOIN (SELECT chat_id, max(seq) / ${SEGMENT} * ${SEGMENT} AS covered FROM messages GROUP BY chat_id) c
          ON c.chat_id = m.chat_id AND m.seq <= c.covered
       GROUP BY 1, 2, 3`);
    await db.query(
      `CREATE INDEX message_search_segments_chat_blocks_idx ON message_search_segments (chat_id, first_seq, last_seq) WHERE first_seq < last_seq`,
    );
    await db.query(
      `CREATE INDEX message_search_segments_trgm_idx ON message_search_segments USING gin (chat_id, content gin_trgm_ops)
         WITH (gin_pending_list_limit = 1024)`,
    );
    await db.query(`DROP INDEX messages_chat_content_trgm_idx`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX messages_chat_content_trgm_idx ON messages USING gin (chat_id, content gin_trgm_ops) WHERE deleted_at IS NULL`,
    );
    await db.query(`DROP TABLE message_search_segments`);
  }
}
