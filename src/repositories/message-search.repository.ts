import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * The search index of messages (issue 12, docs/perf-messages-write.md): instead of a trigram GIN
 * entry for every trigram of every message (about 1.5 kB of WAL per message sent, half of all),
 * message_search_segments holds one row per SEARCH_SEGMENT_SIZE consecutive seqs of a chat (a
 * "block": seqs first_seq..last_seq, aligned), and its trigram GIN indexes those, each distinct
 * trigram once per block. A block's text has one line per seq, in order: line n is seq
 * first_seq + n - 1, the message's content lower-cased with its own line breaks made spaces, or
 * empty for a message deleted when the block was built (BLOCK_LINE_SQL). So the messages of a
 * candidate block that may match are found in its text (blockMatchSeqsSql), and only those are
 * read from messages, not the block's 64.
 *
 * A segment row is only a candidate filter, never the answer: a message whose content contains a
 * word (ILIKE, which for UTF-8 is `lower(content) LIKE lower(pattern)`) has its lower-cased
 * content, hence the word, in its line; a word never spans two lines (words have no whitespace,
 * and a line break inside a message became a space, which keeps every word whole). The search
 * then filters those messages by their current content.
 *
 * Rows are of two kinds:
 * - blocks, first_seq < last_seq, written by buildSegments after the sends that complete them
 *   (never inside the send transaction), in order: a chat's blocks always cover 1..covered, where
 *   covered is their highest last_seq. Messages past covered (the "tail", a block's worth in
 *   steady state, more only while the builder lags) are searched directly in messages;
 * - edits, first_seq = last_seq = the message's seq: the edit statement writes the new content
 *   here in the same statement as the message itself, so whether or not a builder read the old
 *   content of the message (before or concurrently), the current content is in a row.
 * Deletes change nothing here: the final filter excludes deleted messages.
 */
export const SEARCH_SEGMENT_SIZE = 64;

/** A block's line for message `m` (see above): an aggregate of these over the block's seqs, in order. */
export const BLOCK_LINE_SQL = `CASE WHEN m.deleted_at IS NULL THEN replace(lower(m.content), E'\\n', ' ') ELSE '' END`;

/**
 * Builds every complete block of chat $1 not built yet (one statement, so a chat's blocks stay
 * contiguous from seq 1): from the chat's highest built block to the last multiple of
 * SEARCH_SEGMENT_SIZE at or below its newest message. Sends commit in seq order (under the chat
 * lock), so the messages this snapshot sees are the chat's seqs 1..max, all of them. Two builders
 * of one chat at once write the same rows; the second waits for the first and skips them.
 */
export const BUILD_SEGMENTS_SQL = `
  WITH built AS (
  INSERT INTO message_search_segments AS s (chat_id, first_seq, last_seq, content)
  SELECT $1, b.first_seq, b.first_seq + ${SEARCH_SEGMENT_SIZE - 1},
         (SELECT string_agg(${BLOCK_LINE_SQL}, E'\\n' ORDER BY m.seq) FROM messages m
           WHERE m.chat_id = $1 AND m.seq BETWEEN b.first_seq AND b.first_seq + ${SEARCH_SEGMENT_SIZE - 1})
    FROM generate_series(
           coalesce((SELECT s.last_seq FROM message_search_segments s
                      WHERE s.chat_id = $1 AND s.first_seq < s.last_seq ORDER BY s.first_seq DESC LIMIT 1), 0) + 1,
           (SELECT coalesce(max(m.seq), 0) FROM messages m WHERE m.chat_id = $1) - ${SEARCH_SEGMENT_SIZE - 1},
           ${SEARCH_SEGMENT_SIZE}) AS b(first_seq)
  ON CONFLICT (chat_id, first_seq, last_seq) DO NOTHING
  RETURNING 1
  )
  SELECT count(*)::int AS built FROM built`;

/**
 * Every chat's complete blocks at once, for the migration and bulk loads (same rows as
 * BUILD_SEGMENTS_SQL run for every chat on an unsegmented table).
 */
export const BUILD_ALL_SEGMENTS_SQL = `
  INSERT INTO message_search_segments (chat_id, first_seq, last_seq, content)
  SELECT m.chat_id, (m.seq - 1) / ${SEARCH_SEGMENT_SIZE} * ${SEARCH_SEGMENT_SIZE} + 1 AS first_seq,
         (m.seq - 1) / ${SEARCH_SEGMENT_SIZE} * ${SEARCH_SEGMENT_SIZE} + ${SEARCH_SEGMENT_SIZE},
         string_agg(${BLOCK_LINE_SQL}, E'\\n' ORDER BY m.seq)
    FROM messages m
    JOIN (SELECT chat_id, max(seq) / ${SEARCH_SEGMENT_SIZE} * ${SEARCH_SEGMENT_SIZE} AS covered
            FROM messages GROUP BY chat_id) c ON c.chat_id = m.chat_id AND m.seq <= c.covered
   GROUP BY m.chat_id, 2, 3
  ON CONFLICT (chat_id, first_seq, last_seq) DO NOTHING`;

/**
 * Drops every block (edit rows stay), for bulk loads that wrote messages behind the search's back
 * (the bench plants words with an UPDATE): BUILD_ALL_SEGMENTS_SQL then writes them afresh.
 */
export const CLEAR_BLOCKS_SQL = `DELETE FROM message_search_segments WHERE first_seq < last_seq`;

/**
 * For the edit statement: a CTE body that records the edited message `m` (a CTE RETURNING chat_id,
 * seq, content) as an edit row, replacing the row of an earlier edit (the message's row lock
 * orders two edits of it, so the last one wins here as in messages).
 */
export function recordEditSql(edited: string): string {
  return `INSERT INTO message_search_segments AS s (chat_id, first_seq, last_seq, content)
    SELECT e.chat_id, e.seq, e.seq, lower(e.content) FROM ${edited} e
    ON CONFLICT (chat_id, first_seq, last_seq) DO UPDATE SET content = excluded.content`;
}

/** A bound on seq: `m.seq <op> <value>` (value SQL). */
export interface SeqBound {
  op: '<' | '>';
  value: string;
}

/** `covered`: the highest seq chat `chat`'s blocks cover (0 for none), an index-only scan. */
export function coveredCte(chat: string): string {
  return `covered AS MATERIALIZED (
        SELECT coalesce((SELECT s.last_seq FROM message_search_segments s
                          WHERE s.chat_id = ${chat} AND s.first_seq < s.last_seq
                          ORDER BY s.first_seq DESC LIMIT 1), 0) AS seq
      )`;
}

/** Bounds on seq as conditions on segment row `s`: those of its rows that overlap the range. */
export function segmentBounds(s: string, bounds: SeqBound[]): string[] {
  return bounds.map(({ op, value }) =>
    op === '<' ? `${s}.first_seq < ${value}` : `${s}.last_seq > ${value}`,
  );
}

/**
 * The CTEs of historyQuery's step beyond its window, for chat `chat` (SQL), run only when `more`
 * (SQL) holds, with the words as their ILIKE pattern parameters (`$n`) and the bounds on seq
 * (applied to the segment rows, so that only overlapping ones are read); `covered` (coveredCte)
 * comes before them:
 * - `segments`: the chat's segment rows (blocks up to covered, edit rows) whose content has every
 *   word, by the trigram index for words of 3 characters or more; materialized, so that the
 *   search starts from them and reads only their messages;
 * - `ranges`: the same without the edit rows inside a candidate block (that block takes them in,
 *   see blockMatchSeqsSql): disjoint ranges, so that walking them in page order yields the
 *   messages in page order, and the walk stops at the page's last row.
 */
export function segmentCtes(chat: string, more: string, patterns: string[], bounds: SeqBound[]): string {
  const where = [
    more,
    `s.chat_id = ${chat}`,
    ...patterns.map((pattern) => `s.content LIKE lower(${pattern})`),
    ...segmentBounds('s', bounds),
    's.first_seq <= (SELECT seq FROM covered)',
  ];
  return `segments AS MATERIALIZED (
        SELECT s.first_seq, s.last_seq, s.content FROM message_search_segments s WHERE ${where.join(' AND ')}
      ), ranges AS (
        SELECT * FROM segments s
         WHERE s.first_seq < s.last_seq
            OR NOT EXISTS (SELECT FROM segments b WHERE b.first_seq < b.last_seq
                                                    AND s.first_seq BETWEEN b.first_seq AND b.last_seq)
      )`;
}

/**
 * The seqs of segment row `s` (first_seq, last_seq, content) of chat `chat` (SQL) whose messages
 * may contain every word (the patterns, `$n`), in no order: for a block, the seqs of its lines
 * that contain them (unless `checked`, only when the block's text does: one LIKE on the whole
 * text first, since most blocks a window reads have no match), and those of the edit rows inside it that do (the block's line
 * holds the content it was built with, the edit row the newer one; message_search_segments_chat_edits_idx);
 * for an edit row, its seq. A candidate, filtered by the message's current content like any other.
 */
export function blockMatchSeqsSql(chat: string, s: string, patterns: string[], checked: boolean): string {
  const has = (text: string): string =>
    patterns.map((pattern) => `${text} LIKE lower(${pattern})`).join(' AND ');
  const block = [`${s}.first_seq < ${s}.last_seq`, ...(checked ? [] : [has(`${s}.content`)])];
  return `(SELECT ${s}.first_seq + l.n::int - 1 AS seq
             FROM string_to_table(CASE WHEN ${block.join(' AND ')}
                                       THEN ${s}.content END, chr(10)) WITH ORDINALITY AS l(line, n)
            WHERE ${has('l.line')}
           UNION
           SELECT e.first_seq FROM message_search_segments e
            WHERE e.chat_id = ${chat} AND e.first_seq = e.last_seq AND e.first_seq BETWEEN ${s}.first_seq AND ${s}.last_seq
              AND ${has('e.content')})`;
}

/** message_search_segments: the blocks' builder (the search and the edits are in messages'). */
@Injectable()
export class MessageSearchRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Builds chat `chatId`'s complete blocks not built yet; how many it wrote. */
  async buildSegments(chatId: number, manager: EntityManager = this.db.manager): Promise<number> {
    const [row]: { built: number }[] = await manager.query(BUILD_SEGMENTS_SQL, [chatId]);
    return row.built;
  }
}
