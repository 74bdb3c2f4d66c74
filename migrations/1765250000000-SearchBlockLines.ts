import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 12: a search block's text gets one line per seq (MessageSearchRepository: line n is seq
 * first_seq + n - 1, a message's own line breaks made spaces, a deleted message an empty line),
 * so a search finds the messages of a candidate block that may match in the block's text and
 * reads only those, not the block's 64 (docs/perf-messages-write.md, "Where the rare word's time
 * goes"). The blocks are rebuilt in the new form (edit rows stay as they are: one message each);
 * down() rebuilds them in the old one (the live contents joined by newlines).
 *
 * A search now reads the newest blocks of the range in order (its window) instead of the newest
 * messages, and each block's edit rows with it: message_search_segments_chat_edits_idx finds the
 * edit rows of a block's seqs (few: one per edited message).
 */
const SEGMENT = 64;

function rebuildBlocks(line: string, filter: string): string {
  return `
    INSERT INTO message_search_segments (chat_id, first_seq, last_seq, content)
    SELECT m.chat_id, (m.seq - 1) / ${SEGMENT} * ${SEGMENT} + 1, (m.seq - 1) / ${SEGMENT} * ${SEGMENT} + ${SEGMENT},
           coalesce(string_agg(${line}, E'\\n' ORDER BY m.seq)${filter}, '')
      FROM messages m
      JOIN (SELECT chat_id, max(seq) / ${SEGMENT} * ${SEGMENT} AS covered FROM messages GROUP BY chat_id) c
        ON c.chat_id = m.chat_id AND m.seq <= c.covered
     GROUP BY 1, 2, 3`;
}

export class SearchBlockLines1765250000000 implements MigrationInterface {
  name = 'SearchBlockLines1765250000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM message_search_segments WHERE first_seq < last_seq`);
    await db.query(
      rebuildBlocks(
        `CASE WHEN m.deleted_at IS NULL THEN replace(lower(m.content), E'\\n', ' ') ELSE '' END`,
        '',
      ),
    );
    await db.query(
      `CREATE INDEX message_search_segments_chat_edits_idx ON message_search_segments (chat_id, first_seq) WHERE first_seq = last_seq`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX message_search_segments_chat_edits_idx`);
    await db.query(`DELETE FROM message_search_segments WHERE first_seq < last_seq`);
    await db.query(rebuildBlocks('lower(m.content)', ' FILTER (WHERE m.deleted_at IS NULL)'));
  }
}
