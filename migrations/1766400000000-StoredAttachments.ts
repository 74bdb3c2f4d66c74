import { MigrationInterface, QueryRunner } from 'typeorm';
import { SEND_BATCH, SEND_BATCH_BODY, sendFunctionDdl } from './1766200000000-SendPathDomains';

/**
 * Issue 14 (a history page with attachments within 1.5x the bare page): a message stores the
 * attachments it shows, `messages.attachments`, a JSON array of the rows as every Message reads
 * them (attachmentColumnsSql with the position, in order), written by the send statement with
 * the message. A message's attachments do not change after it is sent (deleting the message
 * marks them deleted; the row is then not shown). A page read them with a subplan per message
 * that aggregated its attachment rows (~5 µs of PostgreSQL's CPU a message); it now reads the
 * row's own column. `json`, not `jsonb`: sent as it is, without a conversion. The upload time is
 * stored as the contract writes it (2026-12-06T04:58:09.123Z), which the service passes on as it
 * is.
 *
 * send_batch is replaced (same signature and result): the message row now carries its
 * attachments, so a forward's copies take their ids before the message is inserted
 * (FORWARD_COPIES_SQL), and the answer reads them from the row. Its body is
 * SEND_BATCH_FUNCTION_BODY, frozen here (test/integration/send-batch.int-spec.ts). Existing
 * messages get their attachments here.
 */
export class StoredAttachments1766400000000 implements MigrationInterface {
  name = 'StoredAttachments1766400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE messages ADD COLUMN attachments json`);
    await db.query(
      `UPDATE messages m SET attachments = (
         SELECT json_agg(fa ORDER BY fa.position) FROM (
           SELECT a.id, a.kind, a.mime_type AS "mimeType", a.size_bytes AS "sizeBytes", a.name, a.width,
                  a.height, a.duration_ms AS "durationMs", a.waveform, a.thumbnail_key AS "thumbnailKey",
                  a.placeholder, to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
                  a.position
             FROM attachments a WHERE a.message_id = m.id) fa)
        WHERE m.attachment_count IS NOT NULL`,
    );
    await db.query(`DROP FUNCTION ${SEND_BATCH}`);
    await db.query(sendFunctionDdl(SEND_BATCH, SEND_BATCH_WITH_STORED_ATTACHMENTS));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION ${SEND_BATCH}`);
    await db.query(sendFunctionDdl(SEND_BATCH, SEND_BATCH_BODY));
    await db.query(`ALTER TABLE messages DROP COLUMN attachments`);
  }
}

/** SEND_BATCH_FUNCTION_BODY as of this migration. */
export const SEND_BATCH_WITH_STORED_ATTACHMENTS = `
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
  ), copies AS MATERIALIZED (
    SELECT nextval(pg_get_serial_sequence('attachments', 'id'))::int AS id, s.*
      FROM (SELECT n.ord, n.sender_id AS uploader_id, s.kind, s.mime_type, s.size_bytes, s.name, s.width,
                   s.height, s.duration_ms, s.waveform, s.storage_key, s.thumbnail_key, s.thumbnail_bytes,
                   s.placeholder, s.position, now() AS created_at
              FROM numbered n JOIN attachments s ON s.message_id = n.forward_id AND s.deleted_at IS NULL
             WHERE n.forwarded_attachments IS NOT NULL
             ORDER BY n.ord, s.position) s
  ), shown AS (
    SELECT w.ord, w.position, to_json(x) AS attachment
      FROM numbered n JOIN wanted w ON w.ord = n.ord JOIN attachments a ON a.id = w.id
     CROSS JOIN LATERAL (SELECT a.id, a.kind, a.mime_type AS "mimeType", a.size_bytes AS "sizeBytes", a.name, a.width,
   a.height, a.duration_ms AS "durationMs", a.waveform, a.thumbnail_key AS "thumbnailKey",
   a.placeholder, to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", w.position) x
    UNION ALL
    SELECT c.ord, c.position, to_json(x) FROM copies c CROSS JOIN LATERAL (SELECT c.id, c.kind, c.mime_type AS "mimeType", c.size_bytes AS "sizeBytes", c.name, c.width,
   c.height, c.duration_ms AS "durationMs", c.waveform, c.thumbnail_key AS "thumbnailKey",
   c.placeholder, to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt", c.position) x
  ), m AS (
    INSERT INTO messages AS m (chat_id, seq, sender_id, sender_name, content, client_message_id, attachment_count,
                               attachments, reply_to_id, forwarded_from_id, location, mentions)
    SELECT n.chat_id, n.seq, n.sender_id, n.display_name, n.content, n.client_message_id,
           coalesce(n.forwarded_attachments, cardinality(string_to_array(n.attachment_ids, ','))),
           CASE WHEN n.attachment_ids IS NOT NULL OR n.forwarded_attachments IS NOT NULL THEN (
             SELECT json_agg(s.attachment ORDER BY s.position) FROM shown s WHERE s.ord = n.ord) END,
           n.reply_to_id, n.origin_id, n.location, n.mentions
      FROM numbered n ORDER BY n.chat_id, n.seq
    RETURNING m.id, m.chat_id, m.seq, m.sender_id, m.sender_name, m.content, m.client_message_id, m.created_at, m.edited_at, m.location, m.mentions, m.reply_to_id, m.forwarded_from_id, m.attachments
  ), claimed AS (
    UPDATE attachments a SET message_id = m.id, position = w.position, attached_at = now()
      FROM wanted w JOIN numbered n ON n.ord = w.ord JOIN m ON m.chat_id = n.chat_id AND m.seq = n.seq
     WHERE a.id = w.id
  ), copied AS (
    INSERT INTO attachments AS a (
      id, uploader_id, kind, mime_type, size_bytes, name, width, height, duration_ms, waveform,
      storage_key, thumbnail_key, thumbnail_bytes, placeholder, created_at, message_id, position, attached_at)
    OVERRIDING SYSTEM VALUE
    SELECT c.id, c.uploader_id, c.kind, c.mime_type, c.size_bytes, c.name, c.width, c.height, c.duration_ms,
           c.waveform, c.storage_key, c.thumbnail_key, c.thumbnail_bytes, c.placeholder, c.created_at, m.id,
           c.position, now()
      FROM copies c JOIN numbered n ON n.ord = c.ord JOIN m ON m.chat_id = n.chat_id AND m.seq = n.seq
     ORDER BY c.id
  ), mentioned AS (
    INSERT INTO message_mentions (user_id, chat_id, seq)
    SELECT x.user_id, n.chat_id, n.seq FROM numbered n CROSS JOIN LATERAL unnest(n.mentions) x(user_id)
     WHERE n.mentions IS NOT NULL
  ), receipts AS (
    INSERT INTO message_read_ranges AS r (chat_id, user_id, from_seq, to_seq, read_at)
    SELECT chat_id, user_id, after_seq + 1, up_to_seq, now() FROM moves ORDER BY chat_id, user_id
  )
  SELECT m.id, m.chat_id, m.seq, m.sender_id, m.sender_name, m.content, m.client_message_id, m.created_at, m.edited_at, m.location, m.mentions, m.reply_to_id, m.forwarded_from_id, n.ord::int AS ord, n.last_read_seq AS previous_read_seq, m.attachments,
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
