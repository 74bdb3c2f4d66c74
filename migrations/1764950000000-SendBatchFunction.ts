import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 12, item 2: one round trip per group-commit batch instead of three (BEGIN and the chat
 * locks; the send statement; COMMIT). send_batch runs the two statements in one call, in
 * autocommit: LOCK_CHATS_SQL, then SEND_BATCH_SQL (src/repositories/messages.repository.ts, where
 * SEND_BATCH_FUNCTION_BODY composes this body; test/integration/send-batch.int-spec.ts fails when
 * the two differ, so a change to the statement comes with a migration that replaces the function).
 *
 * PL/pgSQL rather than one statement locking inside itself: a function's statements each take a
 * new snapshot (READ COMMITTED), so the send statement sees whatever was committed to the chats
 * before their locks were granted, as it did after a separate BEGIN and lock; one statement's
 * snapshot predates its own locks. Its SET clauses stand for the SET LOCALs the BEGIN made (the
 * generic plan, index paths), for the function's statements only. Figures in
 * docs/perf-messages-write.md.
 */
export class SendBatchFunction1764950000000 implements MigrationInterface {
  name = 'SendBatchFunction1764950000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION send_batch(int[], int[], text[], text[], int)
      RETURNS TABLE (
        id integer, chat_id integer, seq integer, sender_id integer, sender_name varchar,
        content text, client_message_id varchar, created_at timestamptz, edited_at timestamptz,
        ord integer, previous_read_seq integer
      )
      LANGUAGE plpgsql VOLATILE
      SET plan_cache_mode = force_generic_plan
      SET enable_seqscan = off
      AS $body$
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
        SELECT c.last_seq FROM chats c WHERE c.id = i.chat_id AND c.deleted_at IS NULL LIMIT 1) c
      CROSS JOIN LATERAL (
        SELECT cm.last_read_seq FROM chat_members cm
         WHERE cm.chat_id = i.chat_id AND cm.user_id = i.sender_id AND cm.removed_at IS NULL LIMIT 1) cm
      CROSS JOIN LATERAL (SELECT u.display_name FROM users u WHERE u.id = i.sender_id LIMIT 1) u
     WHERE i.client_message_id IS NULL
        OR NOT EXISTS (
             SELECT 1 FROM messages e
              WHERE e.chat_id = i.chat_id AND e.sender_id = i.sender_id
                AND e.client_message_id = i.client_message_id)
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
    RETURNING m.id, m.chat_id, m.seq, m.sender_id, m.sender_name, m.content, m.client_message_id, m.created_at, m.edited_at
  ), receipts AS (
    INSERT INTO message_read_ranges AS r (chat_id, user_id, from_seq, to_seq, read_at)
    SELECT chat_id, user_id, after_seq + 1, up_to_seq, now() FROM moves ORDER BY chat_id, user_id
    ON CONFLICT DO NOTHING
  )
  SELECT m.*, n.ord::int AS ord, n.last_read_seq AS previous_read_seq
    FROM m JOIN numbered n ON n.chat_id = m.chat_id AND n.seq = m.seq
   ORDER BY m.chat_id, m.seq;
END$body$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION send_batch(int[], int[], text[], text[], int)`);
  }
}
