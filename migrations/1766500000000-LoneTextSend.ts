import { MigrationInterface, QueryRunner } from 'typeorm';
import { SEND_TEXT_BATCH, SEND_TEXT_BATCH_BODY, sendFunctionDdl } from './1766200000000-SendPathDomains';

/**
 * Issue 12 (PostgreSQL CPU per message): send_text_batch sends a batch of one text message, what
 * nearly every batch is below the knee, in statements of one row each instead of the batch
 * statement, whose forty-odd plan nodes PostgreSQL set up and shut down on every call (backend CPU
 * per lone send ≈ 375 → ≈ 280 µs, docs/perf-messages-write.md, "The lone text message in
 * statements of one row"). Batches of two or more run the batch statement as before. Same
 * signature, same rows out, same rules; its body is SEND_TEXT_BATCH_FUNCTION_BODY, frozen here
 * (test/integration/send-batch.int-spec.ts).
 */
export class LoneTextSend1766500000000 implements MigrationInterface {
  name = 'LoneTextSend1766500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION ${SEND_TEXT_BATCH}`);
    await db.query(sendFunctionDdl(SEND_TEXT_BATCH, SEND_TEXT_BATCH_WITH_LONE_PATH));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION ${SEND_TEXT_BATCH}`);
    await db.query(sendFunctionDdl(SEND_TEXT_BATCH, SEND_TEXT_BATCH_BODY));
  }
}

/** What this migration adds to SEND_TEXT_BATCH_BODY: the variables, then the lone path after the lock. */
const DECLARATIONS = `DECLARE
  v_last_seq message_seq_or_zero;
  v_read_seq message_seq_or_zero;
  v_name varchar;
`;

const LONE_TEXT_PATH = `  IF cardinality($1) = 1 THEN
    SELECT c.last_seq INTO v_last_seq FROM chats c
     WHERE c.id = $1[1] AND c.deleted_at IS NULL AND NOT (CASE WHEN (c.member_key LIKE '%,%' AND c.member_key NOT LIKE '%,%,%')
             THEN (((SELECT true FROM user_blocks ub WHERE ub.blocker_id = split_part(c.member_key, ',', 1)::int AND ub.blocked_id = split_part(c.member_key, ',', 2)::int LIMIT 1) IS NOT NULL)
        OR ((SELECT true FROM user_blocks ub WHERE ub.blocker_id = split_part(c.member_key, ',', 2)::int AND ub.blocked_id = split_part(c.member_key, ',', 1)::int LIMIT 1) IS NOT NULL))
             ELSE false END);
    IF NOT FOUND THEN RETURN; END IF;
    SELECT cm.last_read_seq INTO v_read_seq FROM chat_members cm
     WHERE cm.chat_id = $1[1] AND cm.user_id = $2[1] AND cm.removed_at IS NULL;
    IF NOT FOUND THEN RETURN; END IF;
    SELECT u.display_name INTO v_name FROM users u WHERE u.id = $2[1];
    IF NOT FOUND OR ($4[1] IS NOT NULL AND ((SELECT true FROM messages e WHERE e.chat_id = $1[1] AND e.sender_id = $2[1] AND e.client_message_id = $4[1] LIMIT 1) IS NOT NULL)) THEN
      RETURN;
    END IF;
    UPDATE chats c SET last_seq = v_last_seq + 1, updated_at = now() WHERE c.id = $1[1];
    IF v_last_seq + 1 - v_read_seq <= $5 THEN
      UPDATE chat_members cm SET last_read_seq = GREATEST(cm.last_read_seq, v_last_seq + 1), last_read_at = now()
       WHERE cm.chat_id = $1[1] AND cm.user_id = $2[1];
      INSERT INTO message_read_ranges (chat_id, user_id, from_seq, to_seq, read_at)
      VALUES ($1[1], $2[1], v_read_seq + 1, v_last_seq + 1, now());
    END IF;
    RETURN QUERY INSERT INTO messages AS m (chat_id, seq, sender_id, sender_name, content, client_message_id)
    VALUES ($1[1], v_last_seq + 1, $2[1], v_name, $3[1], $4[1])
    RETURNING m.id, m.chat_id, m.seq, m.sender_id, m.sender_name, m.content, m.client_message_id, m.created_at, m.edited_at, m.location, m.mentions, m.reply_to_id, m.forwarded_from_id, 1, v_read_seq, NULL::json, NULL::json, NULL::json;
    RETURN;
  END IF;
`;

const LOCK =
  '  PERFORM 1 FROM chats c WHERE c.id = ANY($1::int[]) AND c.deleted_at IS NULL ORDER BY c.id FOR UPDATE;\n';

/** SEND_TEXT_BATCH_FUNCTION_BODY as of this migration: SEND_TEXT_BATCH_BODY with the lone path. */
export const SEND_TEXT_BATCH_WITH_LONE_PATH = (() => {
  const before = `BEGIN\n${LOCK}`;
  if (!SEND_TEXT_BATCH_BODY.includes(before)) throw new Error('send_text_batch: the lock line has moved');
  return SEND_TEXT_BATCH_BODY.replace(before, `${DECLARATIONS}${before}${LONE_TEXT_PATH}`);
})();
