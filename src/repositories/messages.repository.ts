import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { prepared } from '../database/prepared-statements';
import { AttachmentRow } from './attachments.repository';
import { reactionColumnSql, ReactionRow, readerReactions } from './reactions.repository';
import {
  blockMatchSeqsSql,
  coveredCte,
  recordEditSql,
  SEARCH_SEGMENT_SIZE,
  SeqBound,
  segmentBounds,
  searchTermsSql,
  segmentCtes,
} from './message-search.repository';
import {
  forwardOriginSql,
  ForwardOriginRow,
  LocationValue,
  replyPreviewSql,
  ReplyPreviewRow,
} from './message-links.repository';
import {
  activeMemberSql,
  literalCount,
  liveChat,
  liveMessage,
  opaque,
  searchPatterns,
} from './sql.predicates';

/** A messages row as the contract shows it (JSON-built rows carry the timestamps as strings). */
export interface MessageRow {
  id: number;
  chat_id: number;
  seq: number;
  sender_id: number;
  sender_name: string;
  content: string;
  client_message_id: string | null;
  created_at: Date | string;
  edited_at: Date | string | null;
  /** In order (messages.attachments, stored at send); null for a message without attachments. */
  attachments: AttachmentRow[] | null;
  /** The message it answers, read now (its current content, whether deleted); null when none. */
  reply_to: ReplyPreviewRow | null;
  /** The message it copies (the first of a chain of forwards); null when none. */
  forwarded_from: ForwardOriginRow | null;
  location: LocationValue | null;
  /** Ids of the users mentioned; null when none. */
  mentions: number[] | null;
  /**
   * As the reader sees them (read by reactionColumnSql, then readerReactions); null or absent
   * when none, or not read.
   */
  reactions?: ReactionRow[] | null;
  /** The reader's own emoji, where reactionColumnSql reads them (readerReactions). */
  reader_emoji?: string[] | null;
}

/**
 * The stored columns of MessageRow, for SELECT lists (alias `m`), but the attachments: reply_to
 * and forwarded_from are folded from them (reply_to_id, forwarded_from_id) by messageFoldsSql.
 */
export const MESSAGE_COLUMNS =
  'm.id, m.chat_id, m.seq, m.sender_id, m.sender_name, m.content, m.client_message_id, m.created_at, m.edited_at, m.location, m.mentions, m.reply_to_id, m.forwarded_from_id';

/**
 * The rest of MessageRow from the row `m`: its attachments as stored at send (a JSON array of
 * AttachmentRow, with their positions), and the reply and origin folds, each read only when its
 * column is set.
 */
export const messageFoldsSql = (m: string): string =>
  `${m}.attachments, ${replyPreviewSql(m)} AS reply_to, ${forwardOriginSql(m)} AS forwarded_from`;

/** Every column of MessageRow, the reply and origin folded in (read only for rows that have some). */
export const MESSAGE_ROW_COLUMNS = `${MESSAGE_COLUMNS}, ${messageFoldsSql('m')}`;

/** What the edit and delete rules look at. */
export interface LiveMessageRow {
  id: number;
  seq: number;
  sender_id: number;
}

/** A page of history: exclusive seq bounds, search words, order and size. */
export interface HistoryFilter {
  before?: number;
  after?: number;
  /** Words that must all occur in the content, case-insensitively. */
  query?: string;
  sort?: 'asc' | 'desc';
  limit: number;
}

export interface SqlQuery {
  sql: string;
  params: unknown[];
}

/**
 * How many messages' worth of search blocks (SEARCH_SEGMENT_SIZE each) a search reads in page
 * order before it turns to the trigram index, per row of the page (limit + 1): 40 × 51 = 2,040
 * messages, 32 blocks, for a default page. A word that does not fill the page in them matches
 * fewer than 1 message in 40.
 */
export const SEARCH_WINDOW_PER_ROW = 40;

/** How many texts of plain pages historyQuery keeps: 2 orders × 4 sets of bounds × page sizes 1–100. */
const PLAIN_PAGE_SHAPES = 800;

/** The texts of plain pages (no words) by shape: order, bounds and size. */
const plainPageTexts = new Map<string, string>();

/**
 * One page of a chat's live messages, fetching limit + 1 rows to tell whether there is more, and
 * none unless `viewerId` is an active member of the live chat (checked once, in the same statement).
 * Without words it walks messages_chat_seq_key (deleted rows filtered out).
 *
 * With words, no single plan serves every word (docs/perf-messages-write.md): walking the chat in
 * order and filtering is fast for a common or short word and reads the whole chat for a rare one,
 * the trigram index the reverse. The search reads three disjoint parts of the range, in one
 * statement, each one's matches in page order up to the page's size:
 * - `tail`: the messages past `covered` (those no search block covers yet, a block's worth at
 *   most in steady state), by the seq index, filtered directly;
 * - `found`: the window, the first searchWindowBlocks blocks of the range in page order (by the
 *   chat's blocks index, no trigram index), each one's candidates (blockMatchSeqsSql: the lines of
 *   its text that contain the words, the matching edit rows inside it) read from messages;
 * - `rest`: only when the window is full (`edge`, its last block, exists) and `found` does not
 *   fill the page (its one-time filters; otherwise it is never run), the matches beyond the
 *   window: the seq ranges of `segments`, the rows of message_search_segments past the edge whose
 *   text has every word (MessageSearchRepository: by the trigram index for words of 3 characters
 *   or more; the chat's rows, 1/64 of its messages, otherwise), walked in page order, each one's
 *   candidates likewise, a nested loop (the lateral subquery is kept as one by OFFSET 0, so the
 *   walk starts from the segments, never from the messages) that stops at limit + 1 matches.
 * Every candidate is filtered by its own current content. In page order the parts come tail,
 * window, rest (newest first) or window, rest, tail (oldest first), so the first limit + 1 rows
 * of their union are the page one filtered walk of the range would give.
 */
export function historyQuery(chatId: number, viewerId: number, filter: HistoryFilter): SqlQuery {
  const params: unknown[] = [chatId, viewerId];
  const param = (value: unknown): string => `$${params.push(value)}`;
  const bounds: SeqBound[] = [];
  if (filter.before !== undefined) bounds.push({ op: '<', value: param(filter.before) });
  if (filter.after !== undefined) bounds.push({ op: '>', value: param(filter.after) });
  // The page's range: the chat's live messages within the bounds, none without access; `value`
  // writes the chat id and the bounds (as they are, or opaque).
  const rangeWith = (value: (param: string) => string): string[] => [
    `m.chat_id = ${value('$1')}`,
    liveMessage('m'),
    activeMemberSql('$1', '$2'),
    ...bounds.map(({ op, value: bound }) => `m.seq ${op} ${value(bound)}`),
  ];
  const patterns = searchPatterns(filter.query).map(param);
  const words = patterns.map((pattern) => `m.content ILIKE ${pattern}`);
  const order = filter.sort === 'asc' ? 'ASC' : 'DESC';
  if (words.length === 0) {
    // The LIMIT in the text (literalCount): a page size has a few values, so a few texts. The
    // chat and the bounds behind InitPlans (opaque): planned with them, a long chat's page
    // looked cheaper than the generic plan (an average chat's), and PostgreSQL planned every
    // page afresh (~0.2 ms) for the same walk of messages_chat_seq_key.
    // The text depends only on the page's shape: built once per shape, and the same string
    // every time after (its hash kept, for prepared()'s lookups of it).
    const shape = `${order} ${bounds.map(({ op }) => op).join('')} ${filter.limit}`;
    let sql = plainPageTexts.get(shape);
    if (sql === undefined) {
      sql = `SELECT ${MESSAGE_ROW_COLUMNS}, ${reactionColumnSql('$2')} FROM messages m WHERE ${rangeWith(opaque).join(' AND ')}
       ORDER BY m.seq ${order} LIMIT ${literalCount(filter.limit + 1)}`;
      if (plainPageTexts.size < PLAIN_PAGE_SHAPES) plainPageTexts.set(shape, sql);
    }
    return { sql, params };
  }
  const range = rangeWith((value) => value);
  // The words and their patterns, for the blocks (segmentCtes, blockMatchSeqsSql).
  const terms = searchTermsSql(filter.query, patterns, param);
  const limit = param(filter.limit + 1);
  const page = `ORDER BY m.seq ${order} LIMIT ${limit}`;
  // The candidates carry their attachments and reactions; only the page's rows fold in the rest.
  const columns = `${MESSAGE_COLUMNS}, m.attachments, m.reaction_count, m.reactions`;
  const windowBlocks = param(searchWindowBlocks(filter.limit));
  const blocks = `FROM message_search_segments s
         WHERE ${[`s.chat_id = $1`, 's.first_seq < s.last_seq', ...segmentBounds('s', bounds)].join(' AND ')}
         ORDER BY s.first_seq ${order}`;
  const beyond: SeqBound =
    order === 'DESC'
      ? { op: '<', value: '(SELECT first_seq FROM edge)' }
      : { op: '>', value: '(SELECT last_seq FROM edge)' };
  const more = `(SELECT count(*) FROM found) < ${limit} AND EXISTS (SELECT FROM edge)`;
  // The candidates of segment row `s` (`checked`: its text is known to have the words).
  const candidates = (checked: boolean): string => `CROSS JOIN LATERAL (
           SELECT ${columns} FROM ${blockMatchSeqsSql('$1', 's', terms, checked)} c JOIN messages m ON m.seq = c.seq
            WHERE ${[...range, ...words].join(' AND ')} ORDER BY m.seq ${order} OFFSET 0) m`;
  return {
    sql: `WITH ${coveredCte('$1')}, tail AS MATERIALIZED (
        SELECT ${columns} FROM messages m
         WHERE ${[...range, ...words, 'm.seq > (SELECT seq FROM covered)'].join(' AND ')} ${page}
      ), found AS MATERIALIZED (
        SELECT m.* FROM (SELECT s.first_seq, s.last_seq, s.content ${blocks} LIMIT ${windowBlocks}) s
        ${candidates(false)} LIMIT ${limit}
      ), edge AS MATERIALIZED (
        SELECT s.first_seq, s.last_seq ${blocks} OFFSET ${windowBlocks} - 1 LIMIT 1
      ), ${segmentCtes('$1', more, terms, [...bounds, beyond])}, rest AS MATERIALIZED (
        SELECT m.* FROM (SELECT * FROM ranges ORDER BY first_seq ${order}) s ${candidates(true)}
         WHERE ${more} LIMIT ${limit}
      )
      SELECT ${MESSAGE_ROW_COLUMNS}, ${reactionColumnSql('$2')}
        FROM (SELECT * FROM tail UNION ALL SELECT * FROM found UNION ALL SELECT * FROM rest) m ${page}`,
    params,
  };
}

/** How many blocks the search's window reads for a page of `limit` (SEARCH_WINDOW_PER_ROW). */
export function searchWindowBlocks(limit: number): number {
  return Math.ceil((SEARCH_WINDOW_PER_ROW * (limit + 1)) / SEARCH_SEGMENT_SIZE);
}

/**
 * History pages and searches (in a chat and across chats) of up to this many words run as
 * prepared statements (prepared()): for searches in a chat 2 word counts × 4 combinations of
 * bounds × 2 orders = 16 texts, across chats 2 word counts × chat type or not × cursor or not ×
 * trigram or not = 16, and for plain pages 8 per page size used (their LIMIT is in the text);
 * past MAX_PREPARED texts the rest run unnamed. A plan, generic after the first five, saves its
 * planning on every later page (a search's ~1 ms, a plain page's ~0.15 ms).
 */
export const PREPARED_SEARCH_WORDS_MAX = 2;

/**
 * `sql`, a page of `query`'s search (or of history): registered to run prepared when the query
 * has few words, its rows' timestamps read as the contract's text (MessageRow takes either).
 */
export function searchStatement(sql: string, query: string | undefined): string {
  return searchPatterns(query).length <= PREPARED_SEARCH_WORDS_MAX
    ? prepared(sql, { isoTimestamps: true })
    : sql;
}

/** messages: history and search, edits and soft deletes. Sends go through sendBatchStatements. */
@Injectable()
export class MessagesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A live (not deleted) message of the chat; one under another chat is not found. */
  async findLive(
    chatId: number,
    messageId: number,
    manager: EntityManager = this.db.manager,
  ): Promise<LiveMessageRow | undefined> {
    const rows: LiveMessageRow[] = await manager.query(
      `SELECT id, seq, sender_id FROM messages m WHERE id = $2 AND chat_id = $1 AND ${liveMessage('m')}`,
      [chatId, messageId],
    );
    return rows[0];
  }

  /** The chat of a live message of a live chat, whichever chat it is (a moderator's delete). */
  async chatOfLive(messageId: number, manager: EntityManager = this.db.manager): Promise<number | undefined> {
    const rows: { chat_id: number }[] = await manager.query(
      `SELECT m.chat_id FROM messages m JOIN chats c ON c.id = m.chat_id AND ${liveChat('c')}
        WHERE m.id = $1 AND ${liveMessage('m')}`,
      [messageId],
    );
    return rows[0]?.chat_id;
  }

  /**
   * Replaces the content of a live message, and records the new content for the search (an edit
   * row of message_search_segments, recordEditSql); undefined when there is none.
   */
  async edit(
    chatId: number,
    messageId: number,
    content: string,
    manager: EntityManager = this.db.manager,
  ): Promise<MessageRow | undefined> {
    const rows: MessageRow[] = await manager.query(
      `WITH m AS (
         UPDATE messages m SET content = $3, edited_at = now()
          WHERE m.id = $2 AND m.chat_id = $1 AND ${liveMessage('m')}
         RETURNING ${MESSAGE_ROW_COLUMNS}, ${reactionColumnSql('m.sender_id')}
       ), search AS (
         ${recordEditSql('m')}
       )
       SELECT * FROM m`,
      [chatId, messageId, content],
    );
    return rows[0] && readerReactions(rows[0], rows[0].sender_id);
  }

  /**
   * Soft delete: the row stays for the seq sequence, but no list, count or last_message shows it.
   * Its attachments are marked deleted in the same statement (their URLs are refused from then
   * on; the sweep removes them after the grace period); a text message reads no attachment row.
   * Returns its seq; undefined when there was no live message to delete.
   */
  async softDelete(
    chatId: number,
    messageId: number,
    manager: EntityManager = this.db.manager,
  ): Promise<number | undefined> {
    const rows: { seq: number }[] = await manager.query(
      `WITH m AS (
         UPDATE messages m SET deleted_at = now()
          WHERE id = $2 AND chat_id = $1 AND ${liveMessage('m')}
         RETURNING id, chat_id, seq, attachment_count, mentions
       ), attachments AS (
         UPDATE attachments a SET deleted_at = now()
           FROM m WHERE m.attachment_count IS NOT NULL AND a.message_id = m.id AND a.deleted_at IS NULL
       ), mentions AS (
         DELETE FROM message_mentions mm
          USING m, unnest(m.mentions) x(user_id)
          WHERE m.mentions IS NOT NULL AND mm.user_id = x.user_id AND mm.chat_id = m.chat_id AND mm.seq = m.seq
       )
       SELECT seq FROM m`,
      [chatId, messageId],
    );
    return rows[0]?.seq;
  }

  /** A page of history (see historyQuery): empty also when the viewer has no access. */
  async history(
    chatId: number,
    viewerId: number,
    filter: HistoryFilter,
    manager: EntityManager = this.db.manager,
  ): Promise<MessageRow[]> {
    const { sql, params } = historyQuery(chatId, viewerId, filter);
    const rows: MessageRow[] = await manager.query(searchStatement(sql, filter.query), params);
    return rows.map((row) => readerReactions(row, viewerId));
  }

  /** The message the sender sent under `clientMessageId` in this chat, deleted or not. */
  async original(
    chatId: number,
    senderId: number,
    clientMessageId: string,
    manager: EntityManager = this.db.manager,
  ): Promise<MessageRow | undefined> {
    const rows: MessageRow[] = await manager.query(
      `SELECT ${MESSAGE_ROW_COLUMNS}, ${reactionColumnSql('$2')} FROM messages m
        WHERE m.chat_id = $1 AND m.sender_id = $2 AND m.client_message_id = $3`,
      [chatId, senderId, clientMessageId],
    );
    return rows[0] && readerReactions(rows[0], senderId);
  }
}
