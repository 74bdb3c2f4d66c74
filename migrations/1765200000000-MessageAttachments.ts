import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Messages carry attachments; users and chats carry an avatar.
 *
 * - attachments.message_id and position: the message that took the upload (once: an attachment
 *   is attached to one message at most) and its place among that message's 1–10 attachments.
 *   The partial index serves the reads that fold a message's attachments in, and the access
 *   rule (a chat member may read what a live message of the chat holds). Deleting the message
 *   row removes the attachment rows (their bytes are found by the sweep's storage listing); a
 *   soft delete marks them deleted_at and the sweep removes the bytes after a grace period.
 * - messages.attachment_count: NULL for a message without attachments (most of them: a NULL costs
 *   no byte in the row, which already has a null bitmap), so reads fold attachments in only for
 *   the rows that have some, and a text message costs what it did. content may be empty when the
 *   message has attachments.
 * - users.avatar_id, chats.avatar_id: an image attachment shown as the avatar; the attachment
 *   row is marked attached (the unattached sweep leaves it), and SET NULL if its row goes.
 */
export class MessageAttachments1765200000000 implements MigrationInterface {
  name = 'MessageAttachments1765200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE attachments
        ADD COLUMN message_id integer,
        ADD COLUMN position smallint,
        ADD CONSTRAINT attachments_message_id_fkey
          FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
        ADD CONSTRAINT attachments_position_check
          CHECK ((message_id IS NULL) = (position IS NULL) AND (position IS NULL OR position BETWEEN 1 AND 10))`);
    await db.query(
      `CREATE INDEX attachments_message_idx ON attachments (message_id, position) WHERE message_id IS NOT NULL`,
    );
    await db.query(`
      ALTER TABLE messages
        ADD COLUMN attachment_count smallint,
        ADD CONSTRAINT messages_attachment_count_check CHECK (attachment_count BETWEEN 1 AND 10),
        ADD CONSTRAINT messages_content_length_check
          CHECK (char_length(content) <= 4000 AND (char_length(content) >= 1 OR attachment_count IS NOT NULL))
          NOT VALID`);
    await db.query(`ALTER TABLE messages VALIDATE CONSTRAINT messages_content_length_check`);
    await db.query(`ALTER TABLE messages DROP CONSTRAINT messages_content_check`);
    for (const table of ['users', 'chats']) {
      await db.query(`
        ALTER TABLE ${table}
          ADD COLUMN avatar_id integer,
          ADD CONSTRAINT ${table}_avatar_id_fkey
            FOREIGN KEY (avatar_id) REFERENCES attachments (id) ON DELETE SET NULL`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['chats', 'users']) await db.query(`ALTER TABLE ${table} DROP COLUMN avatar_id`);
    // The old rule wants text in every message: a message of attachments only gets a paperclip.
    await db.query(`UPDATE messages SET content = '📎' WHERE char_length(content) = 0`);
    await db.query(`
      ALTER TABLE messages
        DROP CONSTRAINT messages_content_length_check,
        DROP CONSTRAINT messages_attachment_count_check,
        DROP COLUMN attachment_count,
        ADD CONSTRAINT messages_content_check CHECK (char_length(content) BETWEEN 1 AND 4000)`);
    await db.query(`ALTER TABLE attachments DROP COLUMN position, DROP COLUMN message_id`);
  }
}
