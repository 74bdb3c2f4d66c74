import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { searchWords } from './sql.predicates';

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
 *   covered is their highest last_seq, without overlapping. Messages past covered (the "tail", up
 *   to a block's worth in steady state, more only while the builder lags) are searched directly
 *   in messages, until the chat goes quiet and the indexer closes the tail into a shorter block
 *   (BUILD_SEGMENTS_SQL); the next block then starts after it and ends on the aligned boundary;
 * - edits, first_seq = last_seq = the message's seq: the edit statement writes the new content
 *   here in the same statement as the message itself, so whether or not a builder read the old
 *   content of the message (before or concurrently), the current content is in a row.
 * Deletes change nothing here: the final filter excludes deleted messages.
 */
export const SEARCH_SEGMENT_SIZE = 64;

/** A block's line for message `m` (see above): an aggregate of these over the block's seqs, in order. */
export const BLOCK_LINE_SQL = `CASE WHEN m.deleted_at IS NULL THEN replace(lower(m.content), E'\\n', ' ') ELSE '' END`;

/**
 * The last seq of a closed tail whose chat's newest message is `newest` (SQL): newest, but one
 * less when newest is one short of a boundary (the boundary's block would have one seq).
 */
function closedTailEnd(newest: string): string {
  return `${newest} - CASE WHEN ${newest} % ${SEARCH_SEGMENT_SIZE} = ${SEARCH_SEGMENT_SIZE - 1} THEN 1 ELSE 0 END`;
}

/**
 * Chat $1's blocks not built yet, written under the chat's advisory lock (buildSegments), so that a
 * chat's blocks stay contiguous from seq 1 without overlapping: from `covered` (the highest built
 * block's last seq) on, one block per aligned range of SEARCH_SEGMENT_SIZE seqs that the chat's
 * newest message completes (the first of them starts at covered + 1, after a closed tail), and,
 * when $2 (the chat has gone quiet), a block of the rest (the tail closed: a search then reads no
 * message of the chat directly). A block has at least two seqs (one seq is an edit row's shape),
 * so a tail of one message stays open, and a closed tail never ends one seq short of its range
 * (the range's block would then have one). Sends commit in seq order (under the chat lock), so
 * the messages this snapshot sees are the chat's seqs 1..newest, all of them. `top_id` is the id
 * of the block's last message, the highest of its ids. `covered`: the last seq the new blocks
 * reach (null when none was written), for RECORD_COVERED_SQL.
 */
export const BUILD_SEGMENTS_SQL = `
  WITH chat AS (
    SELECT coalesce((SELECT s.last_seq FROM message_search_segments s
                      WHERE s.chat_id = $1 AND s.first_seq < s.last_seq ORDER BY s.first_seq DESC LIMIT 1), 0) AS covered,
           (SELECT coalesce(max(m.seq), 0) FROM messages m WHERE m.chat_id = $1) AS newest
  ), ranges AS (
    SELECT greatest(a * ${SEARCH_SEGMENT_SIZE} + 1, c.covered + 1) AS first_seq, a * ${SEARCH_SEGMENT_SIZE} + ${SEARCH_SEGMENT_SIZE} AS last_seq
      FROM chat c, generate_series(c.covered / ${SEARCH_SEGMENT_SIZE}, c.newest / ${SEARCH_SEGMENT_SIZE} - 1) a
    UNION ALL
    SELECT r.first_seq, r.last_seq
      FROM chat c, LATERAL (SELECT greatest(c.newest / ${SEARCH_SEGMENT_SIZE} * ${SEARCH_SEGMENT_SIZE} + 1, c.covered + 1) AS first_seq,
                                   ${closedTailEnd('c.newest')} AS last_seq) r
     WHERE $2 AND r.first_seq < r.last_seq
  ), built AS (
    INSERT INTO message_search_segments AS s (chat_id, first_seq, last_seq, content, top_id)
    SELECT $1, r.first_seq, r.last_seq, b.content, b.top_id
      FROM ranges r
     CROSS JOIN LATERAL (SELECT string_agg(${BLOCK_LINE_SQL}, E'\\n' ORDER BY m.seq) AS content, max(m.id) AS top_id
                           FROM messages m WHERE m.chat_id = $1 AND m.seq BETWEEN r.first_seq AND r.last_seq) b
    ON CONFLICT (chat_id, first_seq, last_seq) DO NOTHING
    RETURNING s.last_seq
  )
  SELECT count(*)::int AS built, max(last_seq)::int AS covered FROM built`;

/**
 * Records that chat $1's blocks now reach seq $2 in chats.search_covered_seq, which the search
 * across chats reads instead of probing each member chat's last block (migration 1766700000000),
 * after the blocks' transaction committed (buildSegments). A cache of what the blocks say, so it
 * never holds up a send: it skips a chat row a send has locked (the chat's next build records a
 * higher value), and its transaction commits without waiting for its WAL flush (the row lock is
 * released at once). Lower than the blocks' is always safe (a crash losing the update, a skipped
 * row, a build in between: the search then reads tail messages the blocks also hold, and counts
 * each once); it only ever raises the value, and only to what committed blocks reach.
 */
export const RECORD_COVERED_SQL = `
  UPDATE chats c SET search_covered_seq = $2
   WHERE c.id = (SELECT k.id FROM chats k WHERE k.id = $1 AND k.search_covered_seq < $2 FOR UPDATE SKIP LOCKED)`;

/**
 * Every chat's chats.search_covered_seq set to what its blocks cover (0 for none), for bulk loads
 * after they rebuilt the blocks (CLEAR_BLOCKS_SQL, BUILD_ALL_SEGMENTS_SQL, CLOSE_ALL_TAILS_SQL),
 * as buildSegments keeps it for the chat it builds.
 */
export const RECORD_ALL_COVERED_SQL = `
  UPDATE chats c SET search_covered_seq = coalesce((SELECT max(s.last_seq) FROM message_search_segments s
                                                     WHERE s.chat_id = c.id AND s.first_seq < s.last_seq), 0)`;

/** Class id of the per-chat advisory lock that serializes a chat's block builds (any constant). */
const BUILD_LOCK_CLASS = 1_765_000;

/**
 * Every chat's complete blocks at once, for the migration and bulk loads (same rows as
 * BUILD_SEGMENTS_SQL run for every chat on an unsegmented table, tails left open).
 */
export const BUILD_ALL_SEGMENTS_SQL = `
  INSERT INTO message_search_segments (chat_id, first_seq, last_seq, content, top_id)
  SELECT m.chat_id, (m.seq - 1) / ${SEARCH_SEGMENT_SIZE} * ${SEARCH_SEGMENT_SIZE} + 1 AS first_seq,
         (m.seq - 1) / ${SEARCH_SEGMENT_SIZE} * ${SEARCH_SEGMENT_SIZE} + ${SEARCH_SEGMENT_SIZE},
         string_agg(${BLOCK_LINE_SQL}, E'\\n' ORDER BY m.seq), max(m.id)
    FROM messages m
    JOIN (SELECT chat_id, max(seq) / ${SEARCH_SEGMENT_SIZE} * ${SEARCH_SEGMENT_SIZE} AS covered
            FROM messages GROUP BY chat_id) c ON c.chat_id = m.chat_id AND m.seq <= c.covered
   GROUP BY m.chat_id, 2, 3
  ON CONFLICT (chat_id, first_seq, last_seq) DO NOTHING`;

/**
 * Every chat's tail closed at once, as the indexer closes a chat's once it has gone quiet (same
 * rows as BUILD_SEGMENTS_SQL with $2 true), for bulk loads right after BUILD_ALL_SEGMENTS_SQL
 * (which leaves every chat's blocks ending on an aligned boundary).
 */
export const CLOSE_ALL_TAILS_SQL = `
  INSERT INTO message_search_segments (chat_id, first_seq, last_seq, content, top_id)
  SELECT t.chat_id, t.first_seq, t.last_seq, string_agg(${BLOCK_LINE_SQL}, E'\\n' ORDER BY m.seq), max(m.id)
    FROM (SELECT chat_id, max(seq) / ${SEARCH_SEGMENT_SIZE} * ${SEARCH_SEGMENT_SIZE} + 1 AS first_seq,
                 ${closedTailEnd('max(seq)')} AS last_seq
            FROM messages GROUP BY chat_id) t
    JOIN messages m ON m.chat_id = t.chat_id AND m.seq BETWEEN t.first_seq AND t.last_seq
   WHERE t.first_seq < t.last_seq
   GROUP BY t.chat_id, t.first_seq, t.last_seq
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
  return `INSERT INTO message_search_segments AS s (chat_id, first_seq, last_seq, content, top_id)
    SELECT e.chat_id, e.seq, e.seq, lower(e.content), e.id FROM ${edited} e
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
 * (SQL) holds, with the search's words (`terms`, searchTermsSql) and the bounds on seq
 * (applied to the segment rows, so that only overlapping ones are read); `covered` (coveredCte)
 * comes before them:
 * - `segments`: the chat's segment rows (blocks up to covered, edit rows) whose content has every
 *   word, by the trigram index for words of 3 characters or more; materialized, so that the
 *   search starts from them and reads only their messages;
 * - `ranges`: the same without the edit rows inside a candidate block (that block takes them in,
 *   see blockMatchSeqsSql): disjoint ranges, so that walking them in page order yields the
 *   messages in page order, and the walk stops at the page's last row.
 */
export function segmentCtes(chat: string, more: string, terms: SearchTermSql[], bounds: SeqBound[]): string {
  const where = [
    more,
    `s.chat_id = ${chat}`,
    likeAllSql('s.content', terms),
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
 * may contain every word (`terms`), in no order: for a block, the seqs of its lines that contain
 * them (matchingLinesSql; unless `checked`, only when the block's text does: one strpos on the
 * whole text first, since most blocks a window reads have no match), and those of the edit rows
 * inside it that do (the block's line holds the content it was built with, the edit row the
 * newer one; message_search_segments_chat_edits_idx); for an edit row, its seq. A candidate,
 * filtered by the message's current content like any other.
 */
export function blockMatchSeqsSql(chat: string, s: string, terms: SearchTermSql[], checked: boolean): string {
  const block = [
    `${s}.first_seq < ${s}.last_seq`,
    ...(checked ? [] : [containsAllSql(`${s}.content`, terms)]),
  ];
  const lines = `string_to_table(CASE WHEN ${block.join(' AND ')} THEN ${s}.content END, chr(10))
                   WITH ORDINALITY AS l(line, n)`;
  return `(SELECT ${s}.first_seq + l.n::int - 1 AS seq FROM ${matchingLinesSql(lines, terms)}
           UNION
           SELECT e.first_seq FROM message_search_segments e
            WHERE e.chat_id = ${chat} AND e.first_seq = e.last_seq AND e.first_seq BETWEEN ${s}.first_seq AND ${s}.last_seq
              AND ${likeAllSql('e.content', terms)})`;
}

/** A search word as SQL: itself, lower-cased (searchTermsSql), and its LIKE pattern (`$n`). */
export interface SearchTermSql {
  word: string;
  pattern: string;
}

/**
 * Whether lower-cased text `text` (SQL: a block or a line) contains every word: `strpos(text,
 * word) > 0` for each, what `text LIKE lower(pattern)` answers (the text is lower-cased already,
 * and strpos has no wildcards), for the tests that read text, never an index (the trigram index
 * wants LIKE). PostgreSQL's LIKE matcher tries a match at every character whose first byte is the
 * pattern's, and in Cyrillic text that is about every other character; strpos skips ahead
 * (docs/perf-search.md, "Reading the blocks' text": a block ~22 → ~9 µs, a line 0.35 → 0.09 µs).
 * An expression for a CASE or a scan of its own (matchingLinesSql), not a condition beside others:
 * the planner costs it as a third of the rows passing, where a LIKE costs 0.5%, and puts it
 * after a LIKE, which it costs cheaper.
 */
export function containsAllSql(text: string, terms: SearchTermSql[]): string {
  return terms.map(({ word }) => `strpos(${text}, ${word}) > 0`).join(' AND ');
}

/** `text LIKE lower(pattern)` for every term: the test the planner estimates (and an index takes). */
export function likeAllSql(text: string, terms: SearchTermSql[]): string {
  return terms.map(({ pattern }) => `${text} LIKE lower(${pattern})`).join(' AND ');
}

/**
 * The lines of set-returning `lines` (SQL, `… AS l(line, n)`) that contain every word, as a FROM
 * item `l`: strpos in a scan of its own (OFFSET 0 keeps it one), so that it runs first whatever
 * the costs; then the LIKEs, which then always hold, for the planner's estimates: with strpos
 * alone a search's generic plan looked ten times dearer than a custom one, and PostgreSQL planned
 * every search afresh (~1.8 ms).
 */
export function matchingLinesSql(lines: string, terms: SearchTermSql[]): string {
  return `(SELECT l.line, l.n FROM ${lines} WHERE ${containsAllSql('l.line', terms)} OFFSET 0) l
           WHERE ${likeAllSql('l.line', terms)}`;
}

/**
 * The words of search `query` as terms: each with its pattern (`patterns`, SQL of
 * searchPatterns(query), in its order) and the word itself as a parameter (`param` adds it),
 * lower-cased once per statement in an InitPlan, not once per row.
 */
export function searchTermsSql(
  query: string | undefined,
  patterns: string[],
  param: (word: string) => string,
): SearchTermSql[] {
  return searchWords(query).map((word, at) => ({
    word: `(SELECT lower(${param(word)}::text))`,
    pattern: patterns[at],
  }));
}

/** message_search_segments: the blocks' builder (the search and the edits are in messages'). */
@Injectable()
export class MessageSearchRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Builds chat `chatId`'s blocks not built yet (BUILD_SEGMENTS_SQL), and closes its tail when
   * `closeTail`; how many it wrote. Under the chat's advisory lock, taken before the statement's
   * snapshot: a second builder of the chat starts after the first committed and sees its blocks.
   * Then, once they are committed, records what they reach (RECORD_COVERED_SQL).
   */
  async buildSegments(chatId: number, closeTail = false): Promise<number> {
    const row = await this.db.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [BUILD_LOCK_CLASS, chatId]);
      const [built]: { built: number; covered: number | null }[] = await manager.query(BUILD_SEGMENTS_SQL, [
        chatId,
        closeTail,
      ]);
      return built;
    });
    if (row.covered !== null) {
      await this.db.transaction(async (manager) => {
        await manager.query('SET LOCAL synchronous_commit = off');
        await manager.query(RECORD_COVERED_SQL, [chatId, row.covered]);
      });
    }
    return row.built;
  }
}
