import { MigrationInterface, QueryRunner } from 'typeorm';
import { SendProbes1766000000000 } from './1766000000000-SendProbes';

/**
 * The single-column rules of the four tables every send writes (chats, chat_members, messages,
 * message_read_ranges) move from table CHECK constraints into domains, and the send functions'
 * receipts become a plain insert.
 *
 * PostgreSQL builds a table's CHECK constraints afresh for every statement that writes to it:
 * it parses each stored expression (stringToNode), const-folds it and compiles it, whatever
 * columns the statement sets; a send's four writes re-read 14 of them (≈ 12 kB of node text).
 * A domain's rules are read into the session's type cache once and only checked for the columns
 * a statement assigns. Measured on a copy of the same database (500,000 messages), one client
 * calling send_text_batch, backend CPU per send from perf's task-clock: 335-365 µs with the table
 * CHECKs, 293-322 µs with the domains (284-293 µs with no rule at all);
 * docs/perf-messages-write.md, "Table CHECKs on the send path".
 *
 * Rules that compare two columns stay table CHECKs (chats_post_id_check,
 * chat_members_removed_by_manager_check, messages_content_check, message_read_ranges_seq_check),
 * smaller than before. Each domain that serves one column keeps the name of the constraint it
 * replaces, so a violation names the same rule. The columns change type without a rewrite (a
 * domain without constraints is binary-coercible with its base type; the indexes on them are kept,
 * the partial ones whose predicate names such a column are rebuilt), then the domains get their
 * rules, which PostgreSQL checks against the existing rows (one scan of each table, no rewrite).
 *
 * The receipts of the send functions lose their ON CONFLICT DO NOTHING (see RECEIPTS in
 * src/repositories/send-batch.statements.ts: a send's range ends at a seq no earlier range can
 * end at): no speculative insertion, 48 WAL bytes less a message. The functions' result columns
 * take the domains of the columns they return (PL/pgSQL's RETURN QUERY wants the same types;
 * clients see the base types, which is what PostgreSQL sends for a domain). Their bodies are
 * SEND_BATCH_FUNCTION_BODY and SEND_TEXT_BATCH_FUNCTION_BODY, frozen here
 * (test/integration/send-batch.int-spec.ts).
 */

/** A domain: its name, base type, and the rule (constraint name, CHECK on VALUE) it carries. */
const DOMAINS: [domain: string, base: string, constraint: string, check: string][] = [
  ['message_seq', 'integer', 'message_seq_check', 'VALUE >= 1'],
  ['message_seq_or_zero', 'integer', 'message_seq_or_zero_check', 'VALUE >= 0'],
  [
    'chat_type',
    'varchar(16)',
    'chats_chat_type_check',
    `VALUE IN ('keeper', 'seeker', 'vet', 'response', 'other')`,
  ],
  ['chat_visibility', 'varchar(8)', 'chats_visibility_check', `VALUE IN ('private', 'public')`],
  ['member_role', 'varchar(8)', 'chat_members_role_check', `VALUE IN ('owner', 'admin', 'member')`],
  ['notify_level', 'varchar(8)', 'chat_members_notify_level_check', `VALUE IN ('all', 'mentions', 'none')`],
  ['message_content', 'text', 'messages_content_length_check', 'char_length(VALUE) <= 4000'],
  ['client_message_id', 'varchar(64)', 'messages_client_message_id_check', 'char_length(VALUE) >= 1'],
  ['attachment_count', 'smallint', 'messages_attachment_count_check', 'VALUE BETWEEN 1 AND 10'],
  ['reaction_count', 'integer', 'messages_reaction_count_check', 'VALUE >= 1'],
];

interface TableRules {
  table: string;
  /** The columns that take a domain: column, domain. */
  columns: [column: string, domain: string][];
  /** The table CHECKs before this migration: name, expression. */
  before: [name: string, check: string][];
  /** And after it. */
  after: [name: string, check: string][];
}

const TABLES: TableRules[] = [
  {
    table: 'chats',
    columns: [
      ['chat_type', 'chat_type'],
      ['visibility', 'chat_visibility'],
      ['last_seq', 'message_seq_or_zero'],
    ],
    before: [
      ['chats_chat_type_check', `chat_type IN ('keeper', 'seeker', 'vet', 'response', 'other')`],
      ['chats_visibility_check', `visibility IN ('private', 'public')`],
      ['chats_last_seq_check', 'last_seq >= 0'],
    ],
    after: [],
  },
  {
    table: 'chat_members',
    columns: [
      ['role', 'member_role'],
      ['notify_level', 'notify_level'],
      ['last_read_seq', 'message_seq_or_zero'],
    ],
    before: [
      ['chat_members_role_check', `role IN ('owner', 'admin', 'member')`],
      ['chat_members_notify_level_check', `notify_level IN ('all', 'mentions', 'none')`],
      ['chat_members_last_read_seq_check', 'last_read_seq >= 0'],
    ],
    after: [],
  },
  {
    table: 'messages',
    columns: [
      ['seq', 'message_seq'],
      ['content', 'message_content'],
      ['client_message_id', 'client_message_id'],
      ['attachment_count', 'attachment_count'],
      ['reaction_count', 'reaction_count'],
    ],
    before: [
      ['messages_seq_check', 'seq >= 1'],
      [
        'messages_content_length_check',
        'char_length(content) <= 4000 AND (char_length(content) >= 1 OR attachment_count IS NOT NULL OR location IS NOT NULL)',
      ],
      ['messages_client_message_id_check', 'char_length(client_message_id) BETWEEN 1 AND 64'],
      ['messages_attachment_count_check', 'attachment_count BETWEEN 1 AND 10'],
      ['messages_reaction_count_check', 'reaction_count >= 1'],
    ],
    after: [
      [
        'messages_content_check',
        'char_length(content) >= 1 OR attachment_count IS NOT NULL OR location IS NOT NULL',
      ],
    ],
  },
  {
    table: 'message_read_ranges',
    columns: [
      ['from_seq', 'message_seq'],
      ['to_seq', 'message_seq'],
    ],
    before: [['message_read_ranges_seq_check', 'from_seq >= 1 AND from_seq <= to_seq']],
    after: [['message_read_ranges_seq_check', 'from_seq <= to_seq']],
  },
];

const baseOf = (domain: string) => DOMAINS.find(([name]) => name === domain)![1];

/** One ALTER TABLE: drop `drop`, retype the columns, add `add`. */
function alterTable(
  table: string,
  drop: string[],
  retype: [string, string][],
  add: [string, string][],
): string {
  return `ALTER TABLE ${table} ${[
    ...drop.map((name) => `DROP CONSTRAINT ${name}`),
    ...retype.map(([column, type]) => `ALTER COLUMN ${column} TYPE ${type}`),
    ...add.map(([name, check]) => `ADD CONSTRAINT ${name} CHECK (${check})`),
  ].join(', ')}`;
}

/** The two send functions, by signature. */
export const SEND_BATCH =
  'send_batch(int[], int[], text[], text[], int, text[], int[], int[], jsonb[], text[])';
export const SEND_TEXT_BATCH = 'send_text_batch(int[], int[], text[], text[], int)';

const DROP_FUNCTIONS = [SEND_BATCH, SEND_TEXT_BATCH].map((signature) => `DROP FUNCTION ${signature}`);

/**
 * A send function's definition: its result columns take the domains of the columns they return
 * (seq, content, client_message_id, previous_read_seq), its settings are SEND_BATCH_SETTINGS.
 */
export function sendFunctionDdl(signature: string, body: string): string {
  return `
      CREATE FUNCTION ${signature}
      RETURNS TABLE (
        id integer, chat_id integer, seq message_seq, sender_id integer, sender_name varchar,
        content message_content, client_message_id client_message_id, created_at timestamptz, edited_at timestamptz,
        location jsonb, mentions integer[], reply_to_id integer, forwarded_from_id integer,
        ord integer, previous_read_seq message_seq_or_zero, attachments json, reply_to json, forwarded_from json
      )
      LANGUAGE plpgsql VOLATILE
      SET plan_cache_mode = force_generic_plan
      SET enable_seqscan = off
      AS $body$${body}$body$`;
}

/** SEND_BATCH_FUNCTION_BODY as of this migration. */
export const SEND_BATCH_BODY = `
#variable_conflict use_column
BEGIN
  PERFORM 1 FROM chats c WHERE c.id = ANY($1::int[]) AND c.deleted_at IS NULL ORDER BY c.id FOR UPDATE;
  IF $6 IS NOT NULL THEN
    PERFORM 1 FROM attachments a WHERE a.id = ANY(string_to_array(array_to_string($6::text[], ','), ',')::int[]) ORDER BY a.id FOR UPDATE;
  END IF;
  RETURN QUERY WITH input AS (
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
      FROM input i
      CROSS JOIN LATERAL (
        SELECT c.last_seq FROM chats c
         WHERE c.id = i.chat_id AND c.deleted_at IS NULL AND NOT (CASE WHEN (c.member_key LIKE '%,%' AND c.member_key NOT LIKE '%,%,%')
             THEN (((SELECT true FROM user_blocks ub WHERE ub.blocker_id = split_part(c.member_key, ',', 1)::int AND ub.blocked_id = split_part(c.member_key, ',', 2)::int LIMIT 1) IS NOT NULL)
        OR ((SELECT true FROM user_blocks ub WHERE ub.blocker_id = split_part(c.member_key, ',', 2)::int AND ub.blocked_id = split_part(c.member_key, ',', 1)::int LIMIT 1) IS NOT NULL))
             ELSE false END) LIMIT 1) c
      CROSS JOIN LATERAL (
        SELECT cm.last_read_seq FROM chat_members cm
         WHERE cm.chat_id = i.chat_id AND cm.user_id = i.sender_id AND cm.removed_at IS NULL LIMIT 1) cm
      CROSS JOIN LATERAL (SELECT u.display_name FROM users u WHERE u.id = i.sender_id LIMIT 1) u
      LEFT JOIN LATERAL (
        SELECT s.id, coalesce(s.forwarded_from_id, s.id) AS origin_id, s.content, s.location, s.attachment_count
          FROM messages s
     JOIN chats sc ON sc.id = s.chat_id AND sc.deleted_at IS NULL
     JOIN chat_members sm ON sm.chat_id = s.chat_id AND sm.user_id = i.sender_id AND sm.removed_at IS NULL
    WHERE s.id = i.forward_id AND s.deleted_at IS NULL AND i.forward_id IS NOT NULL LIMIT 1) f ON true
     WHERE (i.client_message_id IS NULL
        OR NOT ((SELECT true FROM messages e WHERE e.chat_id = i.chat_id AND e.sender_id = i.sender_id AND e.client_message_id = i.client_message_id LIMIT 1) IS NOT NULL))
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
       AND (i.reply_to_id IS NULL OR ((SELECT true FROM messages r WHERE r.id = i.reply_to_id AND r.chat_id = i.chat_id AND r.deleted_at IS NULL LIMIT 1) IS NOT NULL))
       AND (i.mentions IS NULL OR NOT EXISTS (SELECT 1 FROM unnest(string_to_array(i.mentions, ',')::int[]) x(user_id)
            WHERE NOT ((SELECT true FROM chat_members mc WHERE mc.chat_id = i.chat_id AND mc.user_id = x.user_id AND mc.removed_at IS NULL LIMIT 1) IS NOT NULL)))
  ), numbered AS (
    SELECT a.*, a.last_seq + row_number() OVER (PARTITION BY a.chat_id ORDER BY a.ord) AS seq FROM accepted a
  ), chat_seq AS (
    UPDATE chats c SET last_seq = n.seq, updated_at = now()
      FROM (SELECT chat_id, max(seq) AS seq FROM numbered GROUP BY chat_id) n
     WHERE c.id = n.chat_id AND c.id = ANY($1::int[])
  ), moves AS (
    SELECT chat_id, sender_id AS user_id, min(last_read_seq) AS after_seq, max(seq) AS up_to_seq
      FROM numbered GROUP BY chat_id, sender_id
    HAVING max(seq) - min(last_read_seq) <= $5
  ), cursor AS (
    UPDATE chat_members cm SET last_read_seq = GREATEST(cm.last_read_seq, mv.up_to_seq), last_read_at = now()
      FROM moves mv
     WHERE cm.chat_id = mv.chat_id AND cm.user_id = mv.user_id AND cm.chat_id = ANY($1::int[])
  ), m AS (
    INSERT INTO messages AS m (chat_id, seq, sender_id, sender_name, content, client_message_id, attachment_count,
                               reply_to_id, forwarded_from_id, location, mentions)
    SELECT chat_id, seq, sender_id, display_name, content, client_message_id,
           coalesce(forwarded_attachments, cardinality(string_to_array(attachment_ids, ','))),
           reply_to_id, origin_id, location, mentions
      FROM numbered ORDER BY chat_id, seq
    RETURNING m.id, m.chat_id, m.seq, m.sender_id, m.sender_name, m.content, m.client_message_id, m.created_at, m.edited_at, m.location, m.mentions, m.reply_to_id, m.forwarded_from_id
  ), claimed AS (
    UPDATE attachments a SET message_id = m.id, position = w.position, attached_at = now()
      FROM wanted w JOIN numbered n ON n.ord = w.ord JOIN m ON m.chat_id = n.chat_id AND m.seq = n.seq
     WHERE a.id = w.id
    RETURNING a.message_id, a.position, a.id, a.kind, a.mime_type AS "mimeType", a.size_bytes AS "sizeBytes", a.name, a.width,
   a.height, a.duration_ms AS "durationMs", a.waveform, a.thumbnail_key AS "thumbnailKey",
   a.placeholder, a.created_at AS "createdAt"
  ), copied AS (
    INSERT INTO attachments AS a (
      uploader_id, kind, mime_type, size_bytes, name, width, height, duration_ms, waveform,
      storage_key, thumbnail_key, thumbnail_bytes, placeholder, message_id, position, attached_at)
    SELECT n.sender_id, s.kind, s.mime_type, s.size_bytes, s.name, s.width, s.height, s.duration_ms, s.waveform,
           s.storage_key, s.thumbnail_key, s.thumbnail_bytes, s.placeholder, m.id, s.position, now()
      FROM numbered n JOIN m ON m.chat_id = n.chat_id AND m.seq = n.seq
      JOIN attachments s ON s.message_id = n.forward_id AND s.deleted_at IS NULL
     WHERE n.forwarded_attachments IS NOT NULL
    ORDER BY m.id, s.position
    RETURNING a.message_id, a.position, a.id, a.kind, a.mime_type AS "mimeType", a.size_bytes AS "sizeBytes", a.name, a.width,
   a.height, a.duration_ms AS "durationMs", a.waveform, a.thumbnail_key AS "thumbnailKey",
   a.placeholder, a.created_at AS "createdAt"
  ), mentioned AS (
    INSERT INTO message_mentions (user_id, chat_id, seq)
    SELECT x.user_id, n.chat_id, n.seq FROM numbered n CROSS JOIN LATERAL unnest(n.mentions) x(user_id)
     WHERE n.mentions IS NOT NULL
  ), receipts AS (
    INSERT INTO message_read_ranges AS r (chat_id, user_id, from_seq, to_seq, read_at)
    SELECT chat_id, user_id, after_seq + 1, up_to_seq, now() FROM moves ORDER BY chat_id, user_id
  )
  SELECT m.*, n.ord::int AS ord, n.last_read_seq AS previous_read_seq,
         CASE WHEN n.attachment_ids IS NOT NULL THEN (
                SELECT json_agg(c ORDER BY c.position) FROM claimed c WHERE c.message_id = m.id)
              WHEN n.forwarded_attachments IS NOT NULL THEN (
                SELECT json_agg(c ORDER BY c.position) FROM copied c WHERE c.message_id = m.id) END AS attachments,
         CASE WHEN m.reply_to_id IS NOT NULL THEN (
     SELECT row_to_json(rp) FROM (
       SELECT r.id AS message_id, r.seq, r.sender_id, r.sender_name,
              CASE WHEN r.deleted_at IS NULL THEN left(r.content, 200) END AS content,
              NOT r.deleted_at IS NULL AS deleted
         FROM messages r WHERE r.id = m.reply_to_id) rp) END AS reply_to, CASE WHEN m.forwarded_from_id IS NOT NULL THEN (
     SELECT row_to_json(fo) FROM (
       SELECT f.id AS message_id, f.chat_id, f.sender_id, f.sender_name, f.created_at
         FROM messages f WHERE f.id = m.forwarded_from_id) fo) END AS forwarded_from
    FROM m JOIN numbered n ON n.chat_id = m.chat_id AND n.seq = m.seq
   ORDER BY m.chat_id, m.seq;
END`;

/** SEND_TEXT_BATCH_FUNCTION_BODY as of this migration. */
export const SEND_TEXT_BATCH_BODY = `
#variable_conflict use_column
BEGIN
  PERFORM 1 FROM chats c WHERE c.id = ANY($1::int[]) AND c.deleted_at IS NULL ORDER BY c.id FOR UPDATE;
  RETURN QUERY WITH input AS (
    SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::text[])
      WITH ORDINALITY AS i(chat_id, sender_id, content, client_message_id, ord)
  ), accepted AS (
    SELECT i.*, c.last_seq, cm.last_read_seq, u.display_name
      FROM input i
      CROSS JOIN LATERAL (
        SELECT c.last_seq FROM chats c
         WHERE c.id = i.chat_id AND c.deleted_at IS NULL AND NOT (CASE WHEN (c.member_key LIKE '%,%' AND c.member_key NOT LIKE '%,%,%')
             THEN (((SELECT true FROM user_blocks ub WHERE ub.blocker_id = split_part(c.member_key, ',', 1)::int AND ub.blocked_id = split_part(c.member_key, ',', 2)::int LIMIT 1) IS NOT NULL)
        OR ((SELECT true FROM user_blocks ub WHERE ub.blocker_id = split_part(c.member_key, ',', 2)::int AND ub.blocked_id = split_part(c.member_key, ',', 1)::int LIMIT 1) IS NOT NULL))
             ELSE false END) LIMIT 1) c
      CROSS JOIN LATERAL (
        SELECT cm.last_read_seq FROM chat_members cm
         WHERE cm.chat_id = i.chat_id AND cm.user_id = i.sender_id AND cm.removed_at IS NULL LIMIT 1) cm
      CROSS JOIN LATERAL (SELECT u.display_name FROM users u WHERE u.id = i.sender_id LIMIT 1) u
     WHERE (i.client_message_id IS NULL
        OR NOT ((SELECT true FROM messages e WHERE e.chat_id = i.chat_id AND e.sender_id = i.sender_id AND e.client_message_id = i.client_message_id LIMIT 1) IS NOT NULL))
  ), numbered AS (
    SELECT a.*, a.last_seq + row_number() OVER (PARTITION BY a.chat_id ORDER BY a.ord) AS seq FROM accepted a
  ), chat_seq AS (
    UPDATE chats c SET last_seq = n.seq, updated_at = now()
      FROM (SELECT chat_id, max(seq) AS seq FROM numbered GROUP BY chat_id) n
     WHERE c.id = n.chat_id AND c.id = ANY($1::int[])
  ), moves AS (
    SELECT chat_id, sender_id AS user_id, min(last_read_seq) AS after_seq, max(seq) AS up_to_seq
      FROM numbered GROUP BY chat_id, sender_id
    HAVING max(seq) - min(last_read_seq) <= $5
  ), cursor AS (
    UPDATE chat_members cm SET last_read_seq = GREATEST(cm.last_read_seq, mv.up_to_seq), last_read_at = now()
      FROM moves mv
     WHERE cm.chat_id = mv.chat_id AND cm.user_id = mv.user_id AND cm.chat_id = ANY($1::int[])
  ), m AS (
    INSERT INTO messages AS m (chat_id, seq, sender_id, sender_name, content, client_message_id)
    SELECT chat_id, seq, sender_id, display_name, content, client_message_id FROM numbered ORDER BY chat_id, seq
    RETURNING m.id, m.chat_id, m.seq, m.sender_id, m.sender_name, m.content, m.client_message_id, m.created_at, m.edited_at, m.location, m.mentions, m.reply_to_id, m.forwarded_from_id
  ), receipts AS (
    INSERT INTO message_read_ranges AS r (chat_id, user_id, from_seq, to_seq, read_at)
    SELECT chat_id, user_id, after_seq + 1, up_to_seq, now() FROM moves ORDER BY chat_id, user_id
  )
  SELECT m.*, n.ord::int AS ord, n.last_read_seq AS previous_read_seq,
         NULL::json AS attachments, NULL::json AS reply_to, NULL::json AS forwarded_from
    FROM m JOIN numbered n ON n.chat_id = m.chat_id AND n.seq = m.seq
   ORDER BY m.chat_id, m.seq;
END`;

export class SendPathDomains1766200000000 implements MigrationInterface {
  name = 'SendPathDomains1766200000000';

  async up(db: QueryRunner): Promise<void> {
    for (const [domain, base] of DOMAINS) await db.query(`CREATE DOMAIN ${domain} AS ${base}`);
    for (const { table, columns, before, after } of TABLES) {
      await db.query(
        alterTable(
          table,
          before.map(([name]) => name),
          columns,
          after,
        ),
      );
    }
    for (const [domain, , constraint, check] of DOMAINS) {
      await db.query(`ALTER DOMAIN ${domain} ADD CONSTRAINT ${constraint} CHECK (${check})`);
    }
    for (const sql of DROP_FUNCTIONS) await db.query(sql);
    await db.query(sendFunctionDdl(SEND_BATCH, SEND_BATCH_BODY));
    await db.query(sendFunctionDdl(SEND_TEXT_BATCH, SEND_TEXT_BATCH_BODY));
  }

  async down(db: QueryRunner): Promise<void> {
    for (const sql of DROP_FUNCTIONS) await db.query(sql);
    for (const { table, columns, before, after } of TABLES) {
      await db.query(
        alterTable(
          table,
          after.map(([name]) => name),
          columns.map(([column, domain]) => [column, baseOf(domain)]),
          before,
        ),
      );
    }
    for (const [domain] of DOMAINS) await db.query(`DROP DOMAIN ${domain}`);
    await new SendProbes1766000000000().up(db);
  }
}
