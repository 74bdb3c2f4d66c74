import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reactions and pins.
 *
 * - message_reactions: one row per (message, emoji, user): a person may add several different
 *   emoji to one message, and the same one once (the key). The key serves the fold of a message's
 *   reactions (by message_id) and the 20-distinct check. created_at orders equal counts (first
 *   reacted first). emoji is one emoji grapheme, at most 64 bytes of UTF-8 (the service checks it;
 *   the constraint is the last word).
 * - messages.reaction_count: how many reaction rows the message has, NULL when none (most
 *   messages: no byte in the row), kept in the transaction that adds or removes a row, so reads
 *   fold reactions in only for the rows that have some, as attachment_count gates attachments.
 * - message_pins: one row per pinned message (the key: pinning twice is one pin), the chat it is
 *   in, who pinned it and when; the index lists a chat's pins newest first and counts them. No
 *   foreign key to chats: its key-share lock would wait on a sending batch's chat lock (the
 *   message's own key already ties the pin to its chat).
 */
export class ReactionsAndPins1765500000000 implements MigrationInterface {
  name = 'ReactionsAndPins1765500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE message_reactions (
        message_id integer NOT NULL,
        emoji varchar(64) NOT NULL,
        user_id integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT message_reactions_pkey PRIMARY KEY (message_id, emoji, user_id),
        CONSTRAINT message_reactions_message_id_fkey
          FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
        CONSTRAINT message_reactions_user_id_fkey
          FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
        CONSTRAINT message_reactions_emoji_check CHECK (octet_length(emoji) BETWEEN 1 AND 64)
      )`);
    await db.query(`
      ALTER TABLE messages
        ADD COLUMN reaction_count integer,
        ADD CONSTRAINT messages_reaction_count_check CHECK (reaction_count >= 1)`);
    await db.query(`
      CREATE TABLE message_pins (
        message_id integer NOT NULL,
        chat_id integer NOT NULL,
        pinned_by integer NOT NULL,
        pinned_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT message_pins_pkey PRIMARY KEY (message_id),
        CONSTRAINT message_pins_message_id_fkey
          FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE CASCADE,
        CONSTRAINT message_pins_pinned_by_fkey
          FOREIGN KEY (pinned_by) REFERENCES users (id) ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX message_pins_chat_idx ON message_pins (chat_id, pinned_at, message_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE message_pins`);
    await db.query(`ALTER TABLE messages DROP COLUMN reaction_count`);
    await db.query(`DROP TABLE message_reactions`);
  }
}
