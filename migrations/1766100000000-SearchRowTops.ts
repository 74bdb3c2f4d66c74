import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14 (search across chats): every row of message_search_segments gets `top_id`, the id of
 * its last message (a block's last seq, an edit row's message), and the trigram GIN indexes it
 * between chat_id and the content (btree_gin). The search across chats then asks the index for
 * the candidate rows above a bound on top_id, widening the bound until it has a page, instead of
 * rechecking every candidate row of every chat and probing messages for each one's top
 * (docs/perf-search.md). A row whose last message is gone gets the highest id: a search reads
 * it first, which costs a read, never a match.
 */
export class SearchRowTops1766100000000 implements MigrationInterface {
  name = 'SearchRowTops1766100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE message_search_segments ADD COLUMN top_id integer`);
    await db.query(
      `UPDATE message_search_segments s
          SET top_id = coalesce((SELECT m.id FROM messages m WHERE m.chat_id = s.chat_id AND m.seq = s.last_seq),
                                2147483647)`,
    );
    await db.query(`ALTER TABLE message_search_segments ALTER COLUMN top_id SET NOT NULL`);
    await db.query(`DROP INDEX message_search_segments_trgm_idx`);
    await db.query(
      `CREATE INDEX message_search_segments_trgm_idx ON message_search_segments
         USING gin (chat_id, top_id, content gin_trgm_ops) WITH (gin_pending_list_limit = 1024)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX message_search_segments_trgm_idx`);
    await db.query(
      `CREATE INDEX message_search_segments_trgm_idx ON message_search_segments
         USING gin (chat_id, content gin_trgm_ops) WITH (gin_pending_list_limit = 1024)`,
    );
    await db.query(`ALTER TABLE message_search_segments DROP COLUMN top_id`);
  }
}
