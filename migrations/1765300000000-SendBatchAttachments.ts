import { MigrationInterface, QueryRunner } from 'typeorm';
import { SendBatchFunction1764950000000 } from './1764950000000-SendBatchFunction';

/**
 * Issue 13, item 6: sends take attachments. send_batch gains a sixth parameter, each request's
 * attachment ids ('12,13', or NULL; the whole array NULL when no request of the batch has any),
 * locks the attachment rows it names in id order after the chats, accepts a request only when
 * each of them is the sender's own upload, live and attached to nothing (and no earlier request
 * of the same sender in the batch names it), sets messages.attachment_count and the
 * attachments' message_id, position and attached_at, and returns each message's attachments.
 * A text message's NULL costs no statement and no index probe (docs/perf-messages-write.md).
 * The body is SEND_BATCH_FUNCTION_BODY (src/repositories/messages.repository.ts), frozen here;
 * test/integration/send-batch.int-spec.ts fails when the two differ.
 *
 * messages_chat_attachments_idx: the messages of a chat that have attachments, so that deleting a
 * chat marks their attachments deleted without reading every message of the chat; text messages
 * are not in it.
 */
export class SendBatchAttachments1765300000000 implements MigrationInterface {
  name = 'SendBatchAttachments1765300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION send_batch(int[], int[], text[], text[], int)`);
    await db.query(`
      CREATE FUNCTION send_batch(int[], int[], text[], text[], int, text[])
      RETURNS TABLE (
        id integer, chat_id integer, seq integer, sender_id integer, sender_name varchar,
        content text, client_message_id varchar, created_at timestamptz, edited_at timestamptz,
        ord integer, previous_read_seq integer, attachments json
      )
      LANGUAGE plpgsql VOLATILE
      SET plan_cache_mode = force_generic_plan
      SET enable_seqscan = off
      AS $body$
#variable_conflict use_column
BEGIN
  PERFORM 1 FROM chats c WHERE c.id = ANY($1::int[]) AND c.deleted_at IS NULL ORDER BY c.id FOR UPDATE;
  IF $6 IS NOT NULL THEN
    PERFORM 1 FROM attachments a WHERE a.id = ANY(string_to_array(array_to_string($6::text[], ','), ',')::int[]) ORDER BY a.id FOR UPDATE;
  END IF;
  RETURN QUERY WITH input AS (
    SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $6::text[])
      WITH ORDINALITY AS i(chat_id, sender_id, content, client_message_id, attachment_ids, ord)
  ), wanted AS (
    SELECT i.ord, i.sender_id, w.id, w.position::smallint AS position
      FROM input i CROSS JOIN LATERAL unnest(string_to_array(i.attachment_ids, ',')::int[])
        WITH ORDINALITY AS w(id, position)
     WHERE i.attachment_ids IS NOT NULL
  ), accepted AS (
    SELECT i.*, c.last_seq, cm.last_read_seq, u.display_name
      FROM input i
      CROSS JOIN LATERAL (
        SELECT c.last_seq FROM chats c WHERE c.id = i.chat_id AND c.deleted_at IS NULL LIMIT 1) c
      CROSS JOIN LATERAL (
        SELECT cm.last_read_seq FROM chat_members cm
         WHERE cm.chat_id = i.chat_id AND cm.user_id = i.sender_id AND cm.removed_at IS NULL LIMIT 1) cm
      CROSS JOIN LATERAL (SELECT u.display_name FROM users u WHERE u.id = i.sender_id LIMIT 1) u
     WHERE (i.client_message_id IS NULL
        OR NOT EXISTS (
             SELECT 1 FROM messages e
              WHERE e.chat_id = i.chat_id AND e.sender_id = i.sender_id
                AND e.client_message_id = i.client_message_id))
       AND (i.attachment_ids IS NULL
        OR NOT EXISTS (
             SELECT 1 FROM wanted w
              WHERE w.ord = i.ord
                AND (NOT EXISTS (
                       SELECT 1 FROM attachments a
                        WHERE a.id = w.id AND a.uploader_id = w.sender_id AND a.message_id IS NULL
                          AND a.attached_at IS NULL AND a.deleted_at IS NULL)
                     OR EXISTS (SELECT 1 FROM wanted e WHERE e.id = w.id AND e.sender_id = w.sender_id AND e.ord < w.ord))))
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
    INSERT INTO messages AS m (chat_id, seq, sender_id, sender_name, content, client_message_id, attachment_count)
    SELECT chat_id, seq, sender_id, display_name, content, client_message_id,
           cardinality(string_to_array(attachment_ids, ','))
      FROM numbered ORDER BY chat_id, seq
    RETURNING m.id, m.chat_id, m.seq, m.sender_id, m.sender_name, m.content, m.client_message_id, m.created_at, m.edited_at
  ), claimed AS (
    UPDATE attachments a SET message_id = m.id, position = w.position, attached_at = now()
      FROM wanted w JOIN numbered n ON n.ord = w.ord JOIN m ON m.chat_id = n.chat_id AND m.seq = n.seq
     WHERE a.id = w.id
    RETURNING a.message_id, a.position, a.id, a.kind, a.mime_type AS "mimeType", a.size_bytes AS "sizeBytes", a.name, a.width,
   a.height, a.duration_ms AS "durationMs", a.waveform, a.thumbnail_key AS "thumbnailKey",
   a.placeholder, a.created_at AS "createdAt"
  ), receipts AS (
    INSERT INTO message_read_ranges AS r (chat_id, user_id, from_seq, to_seq, read_at)
    SELECT chat_id, user_id, after_seq + 1, up_to_seq, now() FROM moves ORDER BY chat_id, user_id
    ON CONFLICT DO NOTHING
  )
  SELECT m.*, n.ord::int AS ord, n.last_read_seq AS previous_read_seq,
         CASE WHEN n.attachment_ids IS NOT NULL THEN (
           SELECT json_agg(c ORDER BY c.position) FROM claimed c WHERE c.message_id = m.id) END AS attachments
    FROM m JOIN numbered n ON n.chat_id = m.chat_id AND n.seq = m.seq
   ORDER BY m.chat_id, m.seq;
END$body$`);
    await db.query(
      `CREATE INDEX messages_chat_attachments_idx ON messages (chat_id) WHERE attachment_count IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX messages_chat_attachments_idx`);
    await db.query(`DROP FUNCTION send_batch(int[], int[], text[], text[], int, text[])`);
    await new SendBatchFunction1764950000000().up(db);
  }
}
