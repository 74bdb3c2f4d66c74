import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read receipts as ranges: one message_read_ranges row per read-cursor move (chat, reader,
 * from_seq..to_seq, read_at) instead of one message_read row per message passed, with a foreign
 * key check on each. A send now writes one row per sender whatever the number of messages its
 * cursor passes. Existing receipts become one-seq ranges; down() expands the ranges back over the
 * live messages of others.
 */
export class ReceiptRanges1764800000000 implements MigrationInterface {
  name = 'ReceiptRanges1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE message_read_ranges (
        chat_id  integer NOT NULL,
        user_id  integer NOT NULL,
        to_seq   integer NOT NULL,
        from_seq integer NOT NULL,
        read_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT message_read_ranges_pkey PRIMARY KEY (chat_id, user_id, to_seq),
        CONSTRAINT message_read_ranges_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
        CONSTRAINT message_read_ranges_seq_check CHECK (from_seq >= 1 AND from_seq <= to_seq)
      )`);
    await db.query(`
      INSERT INTO message_read_ranges (chat_id, user_id, to_seq, from_seq, read_at)
      SELECT m.chat_id, r.user_id, m.seq, m.seq, r.read_at
        FROM message_read r JOIN messages m ON m.id = r.message_id`);
    await db.query(`DROP TABLE message_read`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE message_read (
        message_id integer NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
        user_id    integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        read_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (message_id, user_id)
      )`);
    await db.query(`CREATE INDEX message_read_user_idx ON message_read (user_id)`);
    await db.query(`
      INSERT INTO message_read (message_id, user_id, read_at)
      SELECT m.id, r.user_id, min(r.read_at)
        FROM message_read_ranges r
        JOIN messages m ON m.chat_id = r.chat_id AND m.seq BETWEEN r.from_seq AND r.to_seq
                       AND m.sender_id <> r.user_id AND m.deleted_at IS NULL
       GROUP BY m.id, r.user_id`);
    await db.query(`DROP TABLE message_read_ranges`);
  }
}
