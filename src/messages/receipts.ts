import type { DataSource } from 'typeorm';

/**
 * Read receipts of `userId` for the live messages of others with afterSeq < seq <= upToSeq.
 *
 * A statement of its own, after the cursor move committed: a long backlog then holds no chat or
 * member row lock while its rows are written. Calls may overlap (a send and a mark-read, two
 * mark-reads); ON CONFLICT skips rows already written, and inserting in seq order makes two
 * overlapping calls wait on each other in one direction only, never in a cycle.
 */
export async function writeReceipts(
  db: DataSource,
  chatId: number,
  userId: number,
  afterSeq: number,
  upToSeq: number,
  readAt: Date | string,
): Promise<void> {
  if (upToSeq <= afterSeq) return;
  await db.query(
    `INSERT INTO message_read (message_id, user_id, read_at)
     SELECT o.id, $2, $5 FROM messages o
      WHERE o.chat_id = $1 AND o.seq > $3 AND o.seq <= $4 AND o.sender_id <> $2 AND o.deleted_at IS NULL
      ORDER BY o.seq
     ON CONFLICT DO NOTHING`,
    [chatId, userId, afterSeq, upToSeq, readAt],
  );
}
