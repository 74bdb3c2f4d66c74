import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14 (the search across chats' p99): `chats.search_covered_seq`, the highest seq the chat's
 * search blocks cover (the last block's last_seq; 0 for none), written by the blocks' builder
 * once the blocks are committed (RECORD_COVERED_SQL in src/repositories/message-search.repository.ts:
 * never above what committed blocks reach, and never holding up a send to the chat).
 *
 * The search across chats read it with a probe of message_search_segments per member chat (the
 * last block's key, ~5 µs): 500 probes a search for a user in 500 chats, although the indexer
 * closes every quiet chat's tail (without them a rare word's statement took 12% less on the
 * bench's data set, docs/perf-search.md). It now reads the column with the chat and
 * looks for tail messages only in chats whose tail is open. A value lower than the blocks' (a
 * block written by a builder that predates this column, during a rolling deploy; a recording
 * skipped or lost) only makes the search read messages the blocks cover as well, which it counts
 * once; nothing writes a higher one.
 */
export class SearchCoveredSeq1766700000000 implements MigrationInterface {
  name = 'SearchCoveredSeq1766700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE chats ADD COLUMN search_covered_seq integer NOT NULL DEFAULT 0`);
    await db.query(
      `UPDATE chats c SET search_covered_seq = s.covered
         FROM (SELECT chat_id, max(last_seq) AS covered FROM message_search_segments
                WHERE first_seq < last_seq GROUP BY chat_id) s
        WHERE c.id = s.chat_id`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE chats DROP COLUMN search_covered_seq`);
  }
}
