import type { DataSource, EntityManager } from 'typeorm';

/**
 * Read receipts of `userId` for the live messages of others past the user's read cursor, up to
 * `upToSeq` (null: the chat's last message). Written in the transaction that then moves the
 * cursor, before it does: the receipts and the cursor commit together (a crash leaves neither),
 * and the member row is locked only from the cursor move to the commit, not while a long
 * backlog's rows are written. Nothing is written for a removed member or a deleted chat.
 *
 * Calls may overlap (a send and a mark-read, two mark-reads); ON CONFLICT skips rows already
 * written, and inserting in message id order (the order of the send statement too) makes two
 * overlapping writers wait on each other in one direction only, never in a cycle. A cursor read
 * here that another call moves meanwhile only widens the range to messages read anyway.
 */
export async function writeReceiptsPastCursor(
  manager: EntityManager,
  chatId: number,
  userId: number,
  upToSeq: number | null,
): Promise<void> {
  await manager.query(
    `INSERT INTO message_read (message_id, user_id, read_at)
     SELECT o.id, $2, now()
       FROM chats c
       JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = $2 AND cm.removed_at IS NULL
       JOIN messages o ON o.chat_id = c.id AND o.seq > cm.last_read_seq
                      AND o.seq <= LEAST(COALESCE($3::int, c.last_seq), c.last_seq)
                      AND o.sender_id <> $2 AND o.deleted_at IS NULL
      WHERE c.id = $1 AND c.deleted_at IS NULL
      ORDER BY o.id
     ON CONFLICT DO NOTHING`,
    [chatId, userId, upToSeq],
  );
}

/**
 * A sender's cursor move that the send statement left out (a backlog longer than it writes
 * receipts for while it holds the chat lock): the receipts, then the cursor, in one transaction
 * of their own after the send committed. Should this never commit, the cursor stays where it was
 * and the next read or send writes the receipts.
 */
export async function readUpTo(
  db: DataSource,
  chatId: number,
  userId: number,
  upToSeq: number,
): Promise<void> {
  await db.transaction(async (manager) => {
    await writeReceiptsPastCursor(manager, chatId, userId, upToSeq);
    await manager.query(
      `UPDATE chat_members SET last_read_seq = $3, last_read_at = now()
        WHERE chat_id = $1 AND user_id = $2 AND removed_at IS NULL AND last_read_seq < $3`,
      [chatId, userId, upToSeq],
    );
  });
}
