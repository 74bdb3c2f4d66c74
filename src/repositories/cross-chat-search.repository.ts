import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MAX_ID } from '../common/http/parse-id.pipe';
import type { ChatType } from '../database/entities/chat.entity';
import {
  MESSAGE_ROW_COLUMNS,
  MessageRow,
  SEARCH_WINDOW_PER_ROW,
  searchStatement,
  SqlQuery,
} from './messages.repository';
import { containsAllSql, likeAllSql, searchTermsSql } from './message-search.repository';
import { reactionColumnSql, readerReactions } from './reactions.repository';
import {
  activeMember,
  hasTrigram,
  liveChat,
  liveMessage,
  opaque,
  searchPatterns,
  searchWords,
} from './sql.predicates';

/** A page of the search across chats: words, an optional chat type, and where the last page ended. */
export interface CrossChatSearchFilter {
  /** Words that must all occur in the content, case-insensitively (at least one). */
  query: string;
  chatType?: ChatType;
  /** Only messages with a smaller id (the last message of the previous page), exclusive. */
  beforeId?: number;
  limit: number;
}

/** A message found, with the chat it is in as the searcher sees it. */
export interface CrossChatSearchRow extends MessageRow {
  chat_title: string | null;
  chat_type: ChatType;
}

/** How many of the newest messages (of all chats) a search filters before it turns to the index. */
export function crossChatWindow(limit: number): number {
  return SEARCH_WINDOW_PER_ROW * (limit + 1);
}

/**
 * One page of the search across every live chat `viewerId` is an active member of (of one type,
 * if asked), newest first by message id (ids grow with seq in a chat, and across chats in the
 * order the sends committed), below `beforeId`; limit + 1 rows, to tell whether there is more.
 * One statement (docs/perf-search.md has the plans and figures):
 * - `member`: the viewer's chats (chat_members_user_active_idx), with the title and type shown;
 * - `recent`: the window, the newest crossChatWindow(limit) messages of the whole table below the
 *   cursor (messages_pkey backward, no filter: its lowest id is a bound that holds for every
 *   chat), and `found`, its live messages of member chats that have every word, newest first,
 *   limit + 1 at most: membership first (a hashed subplan; the window holds every chat's
 *   messages, most of them not the viewer's), then each word by strpos in the lower-cased
 *   content, what `ILIKE '%word%'` answers (for UTF-8 it is `lower(content) LIKE lower(pattern)`)
 *   without PostgreSQL's LIKE matcher (docs/perf-search.md, "The window's test"). A common word
 *   fills the page here and nothing else runs;
 * - `edge`: the window's lowest id, only when the window is full (otherwise it held everything);
 * - only when `found` does not fill the page (`more`: its one-time filter keeps the rest from
 *   starting otherwise), the matches older than the edge, from two disjoint sources:
 *   the rows of message_search_segments (blocks and edit rows) of member chats, and `tails`, per
 *   member chat the newest limit + 1 matches among its messages past what its blocks cover
 *   (chats.search_covered_seq, recorded with the blocks: no search row covers them yet; none once
 *   the indexer has closed a quiet chat's tail, and then the chat is skipped without a probe),
 *   read directly by messages_chat_seq_key;
 * - `walk` reads the rows newest first, by their `top_id` (the id of a row's last message, the
 *   highest of its ids): step k asks the trigram GIN for the rows with every word whose top_id is
 *   at least lo_k = edge - span·2^k (the bound is in the index, so only those rows are rechecked:
 *   the earlier steps' again, as many at most as the step's own), splits those below the earlier
 *   step's lo into their matches below the edge (`matches`: a row's lines that have the words,
 *   line n being seq first_seq + n - 1, but for messages edited since, whose edit row has the
 *   current content and is a candidate of its own; each read by messages_chat_seq_key and
 *   filtered by its own current content, like history's search) and adds them to the earlier
 *   steps'. Every match at or above lo_k is in a row whose top_id is, so after step k the walk
 *   holds all of them; it stops once it holds limit + 1 of them (the page's) or lo reached 0.
 *   The first span is twice the window's density of matches projected to a page (one to 32
 *   windows), so a rare word takes one or two steps and splits a few dozen rows, not every
 *   candidate row of every chat. A query without a trigram makes one pass over every row
 *   instead (the index cannot narrow the rows by their content);
 * The tail's upper bound `m.seq <= c.last_seq` changes no answer (no message is past its chat's
 * last_seq) but makes the planner estimate a tail as a short range: with only a lower bound it
 * costs each chat's tail at a third of the chat, the statement at ~1,000,000 for 500 chats, past
 * jit_above_cost, and JIT compiled it for 0.5–1.8 s before every search.
 */
export function crossChatSearchQuery(viewerId: number, filter: CrossChatSearchFilter): SqlQuery {
  // Every value behind an InitPlan (opaque): the statement runs prepared, and PostgreSQL keeps
  // its generic plan instead of planning each search (~1.5 ms of a rare word's ~9).
  const params: unknown[] = [viewerId];
  const param = (value: unknown, type: 'int' | 'bigint' | 'text'): string =>
    opaque(`$${params.push(value)}`, type);
  const viewer = opaque('$1');
  const chatType = filter.chatType === undefined ? [] : [`c.chat_type = ${param(filter.chatType, 'text')}`];
  const below = filter.beforeId === undefined ? [] : [`m.id < ${param(filter.beforeId, 'int')}`];
  const patterns = searchPatterns(filter.query).map((pattern) => param(pattern, 'text'));
  if (patterns.length === 0) throw new Error('crossChatSearchQuery needs at least one word');
  const words = (text: string): string[] => patterns.map((pattern) => `${text} ILIKE ${pattern}`);
  // The rows' test is the GIN's LIKE (likeAllSql); the lines' is strpos alone (containsAllSql):
  // every value here is opaque, so a custom plan costs what the generic one does whatever the
  // estimates, and the lines' scan has no other condition to be ordered against.
  const terms = searchTermsSql(filter.query, patterns, (word) => `$${params.push(word)}`);
  const limit = param(filter.limit + 1, 'bigint');
  const windowRows = param(crossChatWindow(filter.limit), 'bigint');
  const more = `(SELECT count(*) FROM found) < ${limit} AND EXISTS (SELECT FROM edge)`;
  const older = ['m.id < (SELECT id FROM edge)', liveMessage('m'), ...words('m.content')];
  // The matches older than the edge among the candidates of segment row `b`: its lines that have
  // the words but for the messages edited since (their edit row has the current content), or
  // the message of an edit row; each message once.
  const matches = (b: string): string => `(
           SELECT m.id FROM (
             SELECT ${b}.first_seq + l.n::int - 1 AS seq
               FROM unnest(string_to_array(CASE WHEN ${b}.first_seq < ${b}.last_seq THEN ${b}.content END, chr(10)))
                    WITH ORDINALITY AS l(line, n)
              WHERE ${containsAllSql('l.line', terms)}
                AND NOT EXISTS (SELECT FROM message_search_segments e WHERE e.chat_id = ${b}.chat_id
                                   AND e.first_seq = e.last_seq AND e.first_seq = ${b}.first_seq + l.n::int - 1)
             UNION ALL
             SELECT ${b}.first_seq WHERE ${b}.first_seq = ${b}.last_seq
           ) c JOIN messages m ON m.chat_id = ${b}.chat_id AND m.seq = c.seq
            WHERE ${older.join(' AND ')} OFFSET 0)`;
  // The matches of the rows with every word whose top_id is at least `lo` (the GIN's bound) and,
  // past the first step, below `under`, the earlier step's lo (those rows are split already; a
  // filter, `IS TRUE` keeping it out of the index: as a GIN key, `<` reads every lower entry).
  const step = (lo: string, under?: string): string => {
    const where = [
      `s.top_id >= ${lo}`,
      ...(under === undefined ? [] : [`(s.top_id < ${under}) IS TRUE`]),
      likeAllSql('s.content', terms),
      '(s.chat_id IN (SELECT id FROM member)) IS TRUE',
    ];
    return `ARRAY(SELECT m.id FROM message_search_segments s CROSS JOIN LATERAL ${matches('s')} m
                   WHERE ${where.join(' AND ')})`;
  };
  // The first step's reach below the edge (doubled at every step): twice as far as the window's
  // density of matches says the page needs (a handful of matches is a rough density), between
  // one and 32 windows (a guess: too short costs a step, too long splits rows the page does not
  // need). A query with no trigram (no run of three letters or digits) cannot narrow the rows by
  // the index: one pass, no further step (planned as a sequential scan, its steps would also be
  // costed past jit_above_cost).
  const narrows = hasTrigram(searchWords(filter.query));
  const span = narrows
    ? `(SELECT least(greatest(2 * ${windowRows} * (${limit} - count(*)) / greatest(count(*), 1), ${windowRows}),
                     32 * ${windowRows})
          FROM found)`
    : `${MAX_ID}::bigint`;
  const next = 'greatest(w.edge - 2 * w.span, 0)::int';
  const further = narrows
    ? `UNION ALL
        SELECT w.edge, ${next}, 2 * w.span, w.ids || ${step(next, 'w.lo')}
          FROM walk w
         WHERE w.lo > 0 AND (SELECT count(*) FROM unnest(w.ids) i WHERE i >= w.lo) < ${limit}`
    : '';
  return {
    sql: `WITH RECURSIVE member AS MATERIALIZED (
        SELECT c.id, c.title, c.chat_type, c.last_seq, c.search_covered_seq FROM chat_members cm JOIN chats c ON c.id = cm.chat_id AND ${liveChat('c')}
         WHERE ${[`cm.user_id = ${viewer}`, activeMember('cm'), ...chatType].join(' AND ')}
      ), recent AS MATERIALIZED (
        SELECT m.id, m.chat_id, m.deleted_at, m.content FROM messages m
         ${below.length ? `WHERE ${below.join(' AND ')}` : ''} ORDER BY m.id DESC LIMIT ${windowRows}
      ), found AS MATERIALIZED (
        SELECT m.id FROM recent m
         WHERE ${[liveMessage('m'), '(m.chat_id IN (SELECT id FROM member)) IS TRUE', containsAllSql('lower(m.content)', terms)].join(' AND ')}
         ORDER BY m.id DESC LIMIT ${limit}
      ), edge AS MATERIALIZED (
        SELECT min(id) AS id FROM recent HAVING count(*) = ${windowRows}
      ), walk (edge, lo, span, ids) AS (
        SELECT e.id, greatest(e.id - r.span, 0)::int, r.span, ${step('greatest(e.id - r.span, 0)::int')}
          FROM edge e, (SELECT ${span} AS span) r WHERE ${more}
        ${further}
      ), tails AS (
        SELECT t.id FROM member c
         CROSS JOIN LATERAL (
           SELECT m.id FROM messages m
            WHERE c.search_covered_seq < c.last_seq AND m.chat_id = c.id AND m.seq > c.search_covered_seq
              AND m.seq <= c.last_seq AND ${older.join(' AND ')}
            ORDER BY m.seq DESC LIMIT ${limit}) t
         WHERE ${more}
      ), rest AS MATERIALIZED (
        SELECT unnest(ids) AS id FROM (SELECT ids FROM walk ORDER BY lo LIMIT 1) w
        UNION
        SELECT id FROM tails
        ORDER BY id DESC LIMIT ${limit}
      ), page AS (
        SELECT id FROM found UNION ALL SELECT id FROM rest ORDER BY id DESC LIMIT ${limit}
      )
      SELECT ${MESSAGE_ROW_COLUMNS}, ${reactionColumnSql(viewer)}, c.title AS chat_title, c.chat_type
        FROM page p JOIN messages m ON m.id = p.id JOIN member c ON c.id = m.chat_id
       ORDER BY m.id DESC`,
    params,
  };
}

/** The search across a user's chats (GET /messages/search). */
@Injectable()
export class CrossChatSearchRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A page of crossChatSearchQuery: limit + 1 rows at most, newest first. */
  async search(
    viewerId: number,
    filter: CrossChatSearchFilter,
    manager: EntityManager = this.db.manager,
  ): Promise<CrossChatSearchRow[]> {
    const { sql, params } = crossChatSearchQuery(viewerId, filter);
    const rows: CrossChatSearchRow[] = await manager.query(searchStatement(sql, filter.query), params);
    return rows.map((row) => readerReactions(row, viewerId));
  }
}
