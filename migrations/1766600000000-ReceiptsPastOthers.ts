import { MigrationInterface, QueryRunner } from 'typeorm';
import { SEND_BATCH, SEND_TEXT_BATCH, sendFunctionDdl } from './1766200000000-SendPathDomains';
import { SEND_BATCH_WITH_STORED_ATTACHMENTS } from './1766400000000-StoredAttachments';
import { SEND_TEXT_BATCH_WITH_LONE_PATH } from './1766500000000-LoneTextSend';

/**
 * Issue 12 (WAL per message): a send writes a receipt range only when the sender's cursor move
 * passes a message of someone else. A move over the sender's own messages alone (the sender had
 * read the chat up to its last_seq: the usual send of a client that marks the chat read while it
 * is on screen) wrote a range that no reads list ever shows, the sender being left out of the
 * readers of their own message: 200–300 WAL bytes, a heap row and an index entry a message. The
 * cursor still moves. Same signatures, same rows out; the bodies are SEND_BATCH_FUNCTION_BODY and
 * SEND_TEXT_BATCH_FUNCTION_BODY (src/repositories/send-batch.statements.ts, RECEIPTS), frozen here
 * (test/integration/send-batch.int-spec.ts). Rows written before stay as they are.
 */
export class ReceiptsPastOthers1766600000000 implements MigrationInterface {
  name = 'ReceiptsPastOthers1766600000000';

  async up(db: QueryRunner): Promise<void> {
    await replace(db, SEND_BATCH, SEND_BATCH_PAST_OTHERS);
    await replace(db, SEND_TEXT_BATCH, SEND_TEXT_BATCH_PAST_OTHERS);
  }

  async down(db: QueryRunner): Promise<void> {
    await replace(db, SEND_BATCH, SEND_BATCH_WITH_STORED_ATTACHMENTS);
    await replace(db, SEND_TEXT_BATCH, SEND_TEXT_BATCH_WITH_LONE_PATH);
  }
}

async function replace(db: QueryRunner, signature: string, body: string): Promise<void> {
  await db.query(`DROP FUNCTION ${signature}`);
  await db.query(sendFunctionDdl(signature, body));
}

/** Each cursor move also carries its chat's last_seq before the batch. */
const MOVES = [
  `    SELECT chat_id, sender_id AS user_id, min(last_read_seq) AS after_seq, max(seq) AS up_to_seq
      FROM numbered GROUP BY chat_id, sender_id`,
  `    SELECT chat_id, sender_id AS user_id, min(last_read_seq) AS after_seq, max(seq) AS up_to_seq,
           min(last_seq) AS last_seq
      FROM numbered GROUP BY chat_id, sender_id`,
] as const;

/** A range only for a move that passes someone else's message. */
const RECEIPTS = [
  `    SELECT chat_id, user_id, after_seq + 1, up_to_seq, now() FROM moves ORDER BY chat_id, user_id`,
  `    SELECT mv.chat_id, mv.user_id, mv.after_seq + 1, mv.up_to_seq, now() FROM moves mv
     WHERE mv.after_seq < mv.last_seq
        OR EXISTS (SELECT 1 FROM numbered o WHERE o.chat_id = mv.chat_id AND o.sender_id <> mv.user_id AND o.seq <= mv.up_to_seq)
     ORDER BY mv.chat_id, mv.user_id`,
] as const;

/** The lone text message's receipt, likewise: its cursor was below last_seq. */
const LONE_RECEIPT = [
  `      INSERT INTO message_read_ranges (chat_id, user_id, from_seq, to_seq, read_at)
      VALUES ($1[1], $2[1], v_read_seq + 1, v_last_seq + 1, now());
`,
  `      IF v_read_seq < v_last_seq THEN
        INSERT INTO message_read_ranges (chat_id, user_id, from_seq, to_seq, read_at)
        VALUES ($1[1], $2[1], v_read_seq + 1, v_last_seq + 1, now());
      END IF;
`,
] as const;

/** `body` with each [before, after] pair replaced, each `before` found exactly once. */
function rewritten(name: string, body: string, pairs: (readonly [string, string])[]): string {
  return pairs.reduce((text, [before, after]) => {
    if (text.split(before).length !== 2) throw new Error(`${name}: a step to rewrite has moved`);
    return text.replace(before, after);
  }, body);
}

const SEND_BATCH_PAST_OTHERS = rewritten('send_batch', SEND_BATCH_WITH_STORED_ATTACHMENTS, [MOVES, RECEIPTS]);

const SEND_TEXT_BATCH_PAST_OTHERS = rewritten('send_text_batch', SEND_TEXT_BATCH_WITH_LONE_PATH, [
  MOVES,
  RECEIPTS,
  LONE_RECEIPT,
]);
