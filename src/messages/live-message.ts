import type { DataSource } from 'typeorm';
import type { AuthoredRow } from './message-rules';

export interface LiveMessageRow extends AuthoredRow {
  id: number;
  seq: number;
}

/** A live (not deleted) message of the chat; one under another chat is not found. */
export async function findLiveMessage(
  db: DataSource,
  chatId: number,
  messageId: number,
): Promise<LiveMessageRow | undefined> {
  const rows: LiveMessageRow[] = await db.query(
    `SELECT id, seq, sender_id FROM messages WHERE id = $2 AND chat_id = $1 AND deleted_at IS NULL`,
    [chatId, messageId],
  );
  return rows[0];
}
