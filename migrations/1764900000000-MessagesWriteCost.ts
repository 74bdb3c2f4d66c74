import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 12, the per-insert cost of `messages` (docs/perf-messages-write.md has the figures).
 * messages_chat_live_seq_idx held (chat_id, seq) of every live message: the same keys, in the same
 * order, as the UNIQUE (chat_id, seq) index, which every live row is in as well. Every read that
 * used it (history, sync, last message) gets the same plan, with the same buffers, on
 * messages_chat_seq_key with `deleted_at IS NULL` as a filter (deleted rows are few); every send
 * saves one btree insert (1 WAL record, about 70 bytes) and the index's 22 bytes per row.
 *
 * Measured and kept: the trigram index with `fastupdate` on (off costs 50-60 kB of WAL per
 * message instead of about 1 kB), the partial index of deleted messages (a new message is not in
 * it: no cost per insert), and both foreign keys (chat_id: no WAL, the batch already holds the
 * chat row; sender_id: half a lock record, about 27 bytes, per message).
 */
export class MessagesWriteCost1764900000000 implements MigrationInterface {
  name = 'MessagesWriteCost1764900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX messages_chat_live_seq_idx`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX messages_chat_live_seq_idx ON messages (chat_id, seq) WHERE deleted_at IS NULL`,
    );
  }
}
