import type { ClientBase } from 'pg';
import { attachmentColumnsSql } from './attachments.repository';
import {
  COPY_FORWARDED_ATTACHMENTS_SQL,
  FORWARD_COPIES_SQL,
  forwardableSql,
  forwardOriginSql,
  LocationValue,
  replyPreviewSql,
  replyTargetSql,
  strangerMentionedSql,
} from './message-links.repository';
import { MESSAGE_COLUMNS, MessageRow } from './messages.repository';
import { blockedPairChatSql } from './blocks.repository';
import { activeMember, existsByKey, liveChat } from './sql.predicates';

/*
 * The group commit's statements (MessageSendBatcher): the chat and attachment locks, the send
 * statement, and the send_batch function that runs them in one round trip. Reads, edits and
 * deletes of messages are in messages.repository.ts.
 */

/** A row the send batch inserted, with the request it answers and the sender's cursor before it. */
export interface SentRow extends MessageRow {
  /** 1-based position of the request in the batch. */
  ord: number;
  previous_read_seq: number;
}

/**
 * The group commit's first step: the batch's chats ($1), the live ones, locked in id order, so
 * two batches, on this instance or another, never wait on each other in a cycle. The send
 * statement after it takes its snapshot after these locks, so it sees every send and membership
 * change committed to these chats before (which one statement locking inside itself would not:
 * its snapshot predates its locks).
 */
export const LOCK_CHATS_SQL = `SELECT 1 FROM chats c WHERE c.id = ANY($1::int[]) AND ${liveChat('c')} ORDER BY c.id FOR UPDATE`;

/**
 * Then, only when a request of the batch has attachments ($6 is NULL otherwise: no statement, no
 * index probe), the attachment rows they name, locked in id order after the chats: a batch in
 * another chat that names the same upload waits here, and its send statement, taking its
 * snapshot after the lock, sees the upload taken. Every writer takes chats before attachments,
 * in id order, so none waits on another in a cycle ($6 entries are comma-separated ids).
 */
export const LOCK_ATTACHMENTS_SQL = `SELECT 1 FROM attachments a WHERE a.id = ANY(string_to_array(array_to_string($6::text[], ','), ',')::int[]) ORDER BY a.id FOR UPDATE`;

/**
 * The planner settings the send statement runs under, for that statement only, whose every row
 * is found by key: its generic plan is kept (PostgreSQL would plan it afresh for every batch, its
 * custom plans looking cheaper on paper: 0.75 ms of planning against 0.4 ms of execution for one
 * message, EXPLAIN ANALYZE), and that plan uses the indexes even while the tables are small enough
 * for a sequential scan to look cheaper on paper. The send_batch function sets them on itself.
 */
export const SEND_BATCH_SETTINGS = { plan_cache_mode: 'force_generic_plan', enable_seqscan: 'off' } as const;

/**
 * What both send statements read for each request (`i`, with chat_id and sender_id) in their
 * `accepted` step: the live chat (its last_seq) unless it is a two-person chat whose members
 * block each other in either direction (blockedPairChatSql: read from the chat row's member key,
 * then two probes of user_blocks' key; checked here, in the statement that inserts, so a block
 * committed before the send's snapshot always wins), the
 * sender's active membership (the read cursor before the send) and the sender's display name.
 * A request for which any is missing inserts nothing.
 */
const SENDER_READS = `
      CROSS JOIN LATERAL (
        SELECT c.last_seq FROM chats c
         WHERE c.id = i.chat_id AND ${liveChat('c')} AND NOT ${blockedPairChatSql('c')} LIMIT 1) c
      CROSS JOIN LATERAL (
        SELECT cm.last_read_seq FROM chat_members cm
         WHERE cm.chat_id = i.chat_id AND cm.user_id = i.sender_id AND ${activeMember('cm')} LIMIT 1) cm
      CROSS JOIN LATERAL (SELECT u.display_name FROM users u WHERE u.id = i.sender_id LIMIT 1) u`;

/**
 * What both send statements require of each request besides SENDER_READS: its client_message_id
 * (if any) not used yet by the sender in the chat.
 */
const SENDER_MAY_SEND = `(i.client_message_id IS NULL
        OR NOT ${existsByKey(
          'messages e',
          'e.chat_id = i.chat_id AND e.sender_id = i.sender_id AND e.client_message_id = i.client_message_id',
        )})`;

/**
 * The steps both send statements share after `accepted`: the seqs (`numbered`), the chats'
 * last_seq (`chat_seq`) and the senders' cursor moves (`moves`, `cursor`); see SEND_BATCH_SQL.
 */
const NUMBERED_AND_CURSORS = `numbered AS (
    SELECT a.*, a.last_seq + row_number() OVER (PARTITION BY a.chat_id ORDER BY a.ord) AS seq FROM accepted a
  ), chat_seq AS (
    UPDATE chats c SET last_seq = n.seq, updated_at = now()
      FROM (SELECT chat_id, max(seq) AS seq FROM numbered GROUP BY chat_id) n
     WHERE c.id = n.chat_id AND c.id = ANY($1::int[])
  ), moves AS (
    SELECT chat_id, sender_id AS user_id, min(last_read_seq) AS after_seq, max(seq) AS up_to_seq,
           min(last_seq) AS last_seq
      FROM numbered GROUP BY chat_id, sender_id
    HAVING max(seq) - min(last_read_seq) <= $5
  ), cursor AS (
    UPDATE chat_members cm SET last_read_seq = GREATEST(cm.last_read_seq, mv.up_to_seq), last_read_at = now()
      FROM moves mv
     WHERE cm.chat_id = mv.chat_id AND cm.user_id = mv.user_id AND cm.chat_id = ANY($1::int[])
  )`;

/**
 * The receipts of the cursor moves that pass a message of someone else, the last step both send
 * statements share: one whose range holds only the sender's own messages (the sender had read the
 * chat up to its last_seq, and no one else's message of the batch comes before the sender's
 * newest) writes none, since no one is ever shown as a reader of their own message (the reads list
 * leaves the sender out). That is the usual send of a client that marks a chat read while it is on
 * screen (the web client does): 200–300 WAL bytes, a heap row and an index entry a message less
 * (docs/perf-messages-write.md). The messages past the cursor up to last_seq are others' (sending
 * moves the sender's cursor to the sender's message), so a move that starts below last_seq always
 * writes. A plain insert, no ON CONFLICT (a speculative insertion: its confirm record, 48 WAL
 * bytes a message, and the extra index probe): a member's ranges are keyed by the seq they end at,
 * and this one ends at a seq the batch has just taken under the chat's lock, past the chat's
 * last_seq, which no earlier range can end at (each ends at or below the last_seq it was written
 * under, and a mark-read that runs meanwhile sees the last_seq before this batch).
 */
const RECEIPTS = `receipts AS (
    INSERT INTO message_read_ranges AS r (chat_id, user_id, from_seq, to_seq, read_at)
    SELECT mv.chat_id, mv.user_id, mv.after_seq + 1, mv.up_to_seq, now() FROM moves mv
     WHERE mv.after_seq < mv.last_seq
        OR EXISTS (SELECT 1 FROM numbered o WHERE o.chat_id = mv.chat_id AND o.sender_id <> mv.user_id AND o.seq <= mv.up_to_seq)
     ORDER BY mv.chat_id, mv.user_id
  )`;

/**
 * Then, with the chats locked, every accepted request of the batch in one statement, with
 * parameters ($1 chat ids, $2 sender ids, $3 contents, $4 client_message_ids, $6 attachment ids
 * as '12,13' or NULL, one entry per request, $6 itself NULL when no request has attachments; and
 * $5 the longest cursor move made here).
 * - `wanted`: each attachment a request names, with its position (none for a text message: its
 *   NULL is filtered out before any lookup);
 * - `accepted`: the chat is live, the sender an active member, its client_message_id (if any)
 *   not used yet, no block between the sender and the other member of a two-person chat, and
 *   each attachment it names (if any) the sender's own upload, live, attached
 *   to nothing, and named by no earlier request of the same sender in the batch; the others
 *   insert nothing and are told why after the commit. (An earlier request that is refused for
 *   another reason still keeps the upload from a later one: the later one is told 400 and may
 *   retry.) A text message's NULL decides its attachment test without reading anything. Each
 *   test reads by key whatever the statistics (existsByKey; an attachment by its id alone, as a
 *   scalar subquery: with its other conditions in the WHERE, the partial index of unattached
 *   uploads would qualify, and on small statistics be planned as a scan of all of them);
 * - `numbered`: the next seqs of each chat, in the order the requests arrived, so they stay
 *   gapless: only accepted requests take one;
 * - `copies`: a forward's attachments as new rows, their ids taken (FORWARD_COPIES_SQL); `shown`:
 *   each message's attachments as it shows them (its uploads, or the copies), which the message
 *   row stores (messages.attachments, so that reads take them from the row);
 * - the chat's last_seq and updated_at, each sender's read cursor (sending reads the chat up to
 *   the sender's newest message), the messages, `claimed`, the uploads they took (message id,
 *   position, attached_at), and `copied`, the copies, are written together;
 * - `receipts`: one message_read_ranges row per cursor move that passes someone else's message
 *   (RECEIPTS), (chat, sender, the cursor before + 1, the sender's newest seq): the receipts of
 *   every message the move passes, whatever their number. Rows are per (chat, user), written under
 *   the chat locks taken in id order, so two writers never wait on each other in a cycle: a
 *   mark-read (ReadStateRepository) locks only the member row, and its receipt row carries no
 *   foreign key to chats. The cursor read before the member row's lock may be stale when a
 *   mark-read moved it meanwhile: the range then starts lower than the move and overlaps the
 *   mark-read's, harmless to the reads query, which takes each member's first range ending at or
 *   after the seq. A cursor that would move more than $5 messages is left out of `moves`: it moves
 *   with its receipts in a transaction of its own after the commit (ReadStateService.readUpTo),
 *   and the cursor never passes messages that have no receipt.
 * The batch holds no two requests with the same client_message_id (see groupBatch).
 */
export const SEND_BATCH_SQL = `
  WITH input AS (
    SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $6::text[], $7::int[], $8::int[], $9::jsonb[], $10::text[])
      WITH ORDINALITY AS i(chat_id, sender_id, content, client_message_id, attachment_ids, reply_to_id, forward_id, location, mentions, ord)
  ), wanted AS (
    SELECT i.ord, i.sender_id, w.id, w.position::smallint AS position
      FROM input i CROSS JOIN LATERAL unnest(string_to_array(i.attachment_ids, ',')::int[])
        WITH ORDINALITY AS w(id, position)
     WHERE i.attachment_ids IS NOT NULL
  ), accepted AS (
    SELECT i.chat_id, i.sender_id, i.client_message_id, i.attachment_ids, i.reply_to_id, i.ord,
           coalesce(f.content, i.content) AS content, coalesce(f.location, i.location) AS location,
           f.id AS forward_id, f.origin_id, f.attachment_count AS forwarded_attachments,
           string_to_array(i.mentions, ',')::int[] AS mentions,
           c.last_seq, cm.last_read_seq, u.display_name
      FROM input i${SENDER_READS}
      LEFT JOIN LATERAL (
        SELECT s.id, coalesce(s.forwarded_from_id, s.id) AS origin_id, s.content, s.location, s.attachment_count
          FROM ${forwardableSql('i.forward_id', 'i.sender_id')} AND i.forward_id IS NOT NULL LIMIT 1) f ON true
     WHERE ${SENDER_MAY_SEND}
       AND (i.attachment_ids IS NULL
        OR NOT EXISTS (
             SELECT 1 FROM wanted w
              WHERE w.ord = i.ord
                AND (NOT coalesce((
                       SELECT a.uploader_id = w.sender_id AND a.message_id IS NULL AND a.attached_at IS NULL
                              AND a.deleted_at IS NULL
                         FROM attachments a WHERE a.id = w.id), false)
                     OR EXISTS (SELECT 1 FROM wanted e WHERE e.id = w.id AND e.sender_id = w.sender_id AND e.ord < w.ord))))
       AND (i.forward_id IS NULL OR f.id IS NOT NULL)
       AND (i.reply_to_id IS NULL OR ${replyTargetSql('i.reply_to_id', 'i.chat_id')})
       AND (i.mentions IS NULL OR NOT ${strangerMentionedSql(`string_to_array(i.mentions, ',')::int[]`, 'i.chat_id')})
  ), ${NUMBERED_AND_CURSORS}, copies AS MATERIALIZED (
    ${FORWARD_COPIES_SQL}
  ), shown AS (
    SELECT w.ord, w.position, to_json(x) AS attachment
      FROM numbered n JOIN wanted w ON w.ord = n.ord JOIN attachments a ON a.id = w.id
     CROSS JOIN LATERAL (SELECT ${attachmentColumnsSql('a')}, w.position) x
    UNION ALL
    SELECT c.ord, c.position, to_json(x) FROM copies c CROSS JOIN LATERAL (SELECT ${attachmentColumnsSql('c')}, c.position) x
  ), m AS (
    INSERT INTO messages AS m (chat_id, seq, sender_id, sender_name, content, client_message_id, attachment_count,
                               attachments, reply_to_id, forwarded_from_id, location, mentions)
    SELECT n.chat_id, n.seq, n.sender_id, n.display_name, n.content, n.client_message_id,
           coalesce(n.forwarded_attachments, cardinality(string_to_array(n.attachment_ids, ','))),
           CASE WHEN n.attachment_ids IS NOT NULL OR n.forwarded_attachments IS NOT NULL THEN (
             SELECT json_agg(s.attachment ORDER BY s.position) FROM shown s WHERE s.ord = n.ord) END,
           n.reply_to_id, n.origin_id, n.location, n.mentions
      FROM numbered n ORDER BY n.chat_id, n.seq
    RETURNING ${MESSAGE_COLUMNS}, m.attachments
  ), claimed AS (
    UPDATE attachments a SET message_id = m.id, position = w.position, attached_at = now()
      FROM wanted w JOIN numbered n ON n.ord = w.ord JOIN m ON m.chat_id = n.chat_id AND m.seq = n.seq
     WHERE a.id = w.id
  ), copied AS (
    ${COPY_FORWARDED_ATTACHMENTS_SQL}
  ), mentioned AS (
    INSERT INTO message_mentions (user_id, chat_id, seq)
    SELECT x.user_id, n.chat_id, n.seq FROM numbered n CROSS JOIN LATERAL unnest(n.mentions) x(user_id)
     WHERE n.mentions IS NOT NULL
  ), ${RECEIPTS}
  SELECT ${MESSAGE_COLUMNS}, n.ord::int AS ord, n.last_read_seq AS previous_read_seq, m.attachments,
         ${replyPreviewSql('m')} AS reply_to, ${forwardOriginSql('m')} AS forwarded_from
    FROM m JOIN numbered n ON n.chat_id = m.chat_id AND n.seq = m.seq
   ORDER BY m.chat_id, m.seq`;

/**
 * The send statement of a batch in which no request has attachments, a reply, a forward, a
 * location or mentions (the most common batch by far): SEND_BATCH_SQL without the steps those
 * need, so PostgreSQL neither plans nor starts them (a generic plan's nodes are set up and shut
 * down on every execution, data-modifying CTEs run even when they touch nothing: the lone text
 * message cost 630-770 us of instrumented time in SEND_BATCH_SQL against 360-410 us before
 * attachments, docs/bench-results.md). Same parameters $1-$5, same rules, same rows out, with
 * the columns only the other steps fill answered NULL.
 */
export const SEND_TEXT_BATCH_SQL = `
  WITH input AS (
    SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::text[])
      WITH ORDINALITY AS i(chat_id, sender_id, content, client_message_id, ord)
  ), accepted AS (
    SELECT i.*, c.last_seq, cm.last_read_seq, u.display_name
      FROM input i${SENDER_READS}
     WHERE ${SENDER_MAY_SEND}
  ), ${NUMBERED_AND_CURSORS}, m AS (
    INSERT INTO messages AS m (chat_id, seq, sender_id, sender_name, content, client_message_id)
    SELECT chat_id, seq, sender_id, display_name, content, client_message_id FROM numbered ORDER BY chat_id, seq
    RETURNING ${MESSAGE_COLUMNS}
  ), ${RECEIPTS}
  SELECT m.*, n.ord::int AS ord, n.last_read_seq AS previous_read_seq,
         NULL::json AS attachments, NULL::json AS reply_to, NULL::json AS forwarded_from
    FROM m JOIN numbered n ON n.chat_id = m.chat_id AND n.seq = m.seq
   ORDER BY m.chat_id, m.seq`;

/** A message to insert, as the send statement takes it. */
export interface NewMessage {
  chatId: number;
  senderId: number;
  content: string;
  clientMessageId: string | null;
  /** 1–10 distinct ids of the sender's uploads, in order; null or absent for a text message. */
  attachmentIds?: number[] | null;
  /** A live message of the same chat that this one answers. */
  replyToId?: number | null;
  /** A live message of a chat the sender is an active member of, whose content, attachments and location are copied. */
  forwardMessageId?: number | null;
  location?: LocationValue | null;
  /** Distinct ids of active members of the chat. */
  mentions?: number[] | null;
}

/**
 * The body of the send_batch function (migrations/1766200000000-SendPathDomains.ts holds the
 * copy PostgreSQL runs; test/integration/send-batch.int-spec.ts checks they are the same):
 * LOCK_CHATS_SQL, LOCK_ATTACHMENTS_SQL when there are attachments, then SEND_BATCH_SQL, under
 * SEND_BATCH_SETTINGS. In READ COMMITTED a PL/pgSQL
 * function takes a new snapshot for each statement, so the send statement sees what was committed
 * before the locks, as it did after a separate BEGIN and lock; PL/pgSQL keeps each statement's
 * plan for the session, like a named prepared statement (planned once per connection, generic:
 * pg_stat_statements with track = all shows 1 plan for 311 calls). Called in autocommit, the
 * function, its locks and its COMMIT are one round trip. (`#variable_conflict use_column`: a name in the
 * statement is the column, not the function's output column of that name.)
 */
export const SEND_BATCH_FUNCTION_BODY = `
#variable_conflict use_column
BEGIN
  ${LOCK_CHATS_SQL.replace(/^SELECT /, 'PERFORM ')};
  IF $6 IS NOT NULL THEN
    ${LOCK_ATTACHMENTS_SQL.replace(/^SELECT /, 'PERFORM ')};
  END IF;
  RETURN QUERY ${SEND_BATCH_SQL.trim()};
END`;

/** The call of the send_batch function, with SEND_BATCH_SQL's parameters. */
export const SEND_BATCH_CALL_SQL =
  'SELECT * FROM send_batch($1::int[], $2::int[], $3::text[], $4::text[], $5::int, $6::text[], $7::int[], $8::int[], $9::jsonb[], $10::text[])';

/**
 * A batch of one text message (what most batches are below the knee: a batch forms only while
 * the send transactions in flight take every slot), as SEND_TEXT_BATCH_SQL does it for one
 * request, in statements of one row each: the reads of SENDER_READS and SENDER_MAY_SEND one by
 * one, then the chat's last_seq, the sender's cursor when the move is within $5 and its receipt
 * when the move passes someone else's message (RECEIPTS: the cursor was below last_seq), and the
 * message, whose row is the answer. PostgreSQL sets up and shuts down every node of a statement's
 * plan on each execution, and SEND_TEXT_BATCH_SQL's is some forty nodes; these are a few each
 * (backend CPU per lone send ≈ 370 → ≈ 280 µs, docs/perf-messages-write.md, "The lone text
 * message in statements of one row"; send-batch.int-spec.ts holds both paths to the same rows,
 * writes and refusals). Each statement takes its own snapshot after the chat lock, which
 * serializes every writer of what they read (sends, membership changes); a block or a mark-read
 * committed between two of them is one committed before or after the statement would have been.
 * Variables are `v_` names: the function's output columns are named like the columns
 * (`#variable_conflict use_column`).
 */
const SEND_ONE_TEXT = `
  IF cardinality($1) = 1 THEN
    SELECT c.last_seq INTO v_last_seq FROM chats c
     WHERE c.id = $1[1] AND ${liveChat('c')} AND NOT ${blockedPairChatSql('c')};
    IF NOT FOUND THEN RETURN; END IF;
    SELECT cm.last_read_seq INTO v_read_seq FROM chat_members cm
     WHERE cm.chat_id = $1[1] AND cm.user_id = $2[1] AND ${activeMember('cm')};
    IF NOT FOUND THEN RETURN; END IF;
    SELECT u.display_name INTO v_name FROM users u WHERE u.id = $2[1];
    IF NOT FOUND OR ($4[1] IS NOT NULL AND ${existsByKey(
      'messages e',
      'e.chat_id = $1[1] AND e.sender_id = $2[1] AND e.client_message_id = $4[1]',
    )}) THEN
      RETURN;
    END IF;
    UPDATE chats c SET last_seq = v_last_seq + 1, updated_at = now() WHERE c.id = $1[1];
    IF v_last_seq + 1 - v_read_seq <= $5 THEN
      UPDATE chat_members cm SET last_read_seq = GREATEST(cm.last_read_seq, v_last_seq + 1), last_read_at = now()
       WHERE cm.chat_id = $1[1] AND cm.user_id = $2[1];
      IF v_read_seq < v_last_seq THEN
        INSERT INTO message_read_ranges (chat_id, user_id, from_seq, to_seq, read_at)
        VALUES ($1[1], $2[1], v_read_seq + 1, v_last_seq + 1, now());
      END IF;
    END IF;
    RETURN QUERY INSERT INTO messages AS m (chat_id, seq, sender_id, sender_name, content, client_message_id)
    VALUES ($1[1], v_last_seq + 1, $2[1], v_name, $3[1], $4[1])
    RETURNING ${MESSAGE_COLUMNS}, 1, v_read_seq, NULL::json, NULL::json, NULL::json;
    RETURN;
  END IF;`;

/**
 * The body of the send_text_batch function (frozen in the same migration, checked by the same
 * test): LOCK_CHATS_SQL, then SEND_ONE_TEXT for a lone message and SEND_TEXT_BATCH_SQL for more,
 * under SEND_BATCH_SETTINGS.
 */
export const SEND_TEXT_BATCH_FUNCTION_BODY = `
#variable_conflict use_column
DECLARE
  v_last_seq message_seq_or_zero;
  v_read_seq message_seq_or_zero;
  v_name varchar;
BEGIN
  ${LOCK_CHATS_SQL.replace(/^SELECT /, 'PERFORM ')};${SEND_ONE_TEXT}
  RETURN QUERY ${SEND_TEXT_BATCH_SQL.trim()};
END`;

/** The call of the send_text_batch function, with SEND_TEXT_BATCH_SQL's parameters. */
export const SEND_TEXT_BATCH_CALL_SQL =
  'SELECT * FROM send_text_batch($1::int[], $2::int[], $3::text[], $4::text[], $5::int)';

/** Each message's value, or NULL for the whole batch when none has one (nothing is read then). */
function column<T>(
  messages: readonly NewMessage[],
  value: (message: NewMessage) => T | null | undefined,
): (T | null)[] | null {
  return messages.some((message) => value(message) != null)
    ? messages.map((message) => value(message) ?? null)
    : null;
}

/** The parameters of SEND_BATCH_CALL_SQL for these messages. */
export function sendBatchValues(messages: readonly NewMessage[], receiptsMax: number): unknown[] {
  return [
    messages.map((message) => message.chatId),
    messages.map((message) => message.senderId),
    messages.map((message) => message.content),
    messages.map((message) => message.clientMessageId),
    receiptsMax,
    // NULL unless a request has attachments: the function then locks and reads none.
    column(messages, (message) => message.attachmentIds?.join(',')),
    column(messages, (message) => message.replyToId),
    column(messages, (message) => message.forwardMessageId),
    column(messages, (message) => (message.location ? JSON.stringify(message.location) : null)),
    column(messages, (message) => message.mentions?.join(',')),
  ];
}

/**
 * The call that sends these messages: send_text_batch with the first five parameters when no
 * request needs more (every later column NULL), send_batch otherwise. Each is a named
 * statement, parsed once per connection.
 */
export function sendBatchQuery(
  messages: readonly NewMessage[],
  receiptsMax: number,
): { name: string; text: string; values: unknown[] } {
  const values = sendBatchValues(messages, receiptsMax);
  return values.slice(5).every((value) => value === null)
    ? { name: 'send_text_batch', text: SEND_TEXT_BATCH_CALL_SQL, values: values.slice(0, 5) }
    : { name: 'send_batch', text: SEND_BATCH_CALL_SQL, values };
}

/**
 * The group commit's one round trip, on the connection the batcher checked out for the batch (a
 * pg client: the batcher drops it on a timeout, which TypeORM's query runner cannot do): the
 * send_text_batch or send_batch function (sendBatchQuery) in autocommit, so it commits (synchronous_commit as configured: on) before
 * PostgreSQL answers. An error answered by PostgreSQL means nothing of the batch was committed.
 */
export const sendBatchStatements = {
  /** The rows the batch inserted, committed. */
  async send(client: ClientBase, messages: readonly NewMessage[], receiptsMax: number): Promise<SentRow[]> {
    const result = await client.query<SentRow>(sendBatchQuery(messages, receiptsMax));
    return result.rows;
  },
};
