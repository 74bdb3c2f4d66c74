import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 15, item 1: blocks. One row per (blocker, blocked): the key answers "does either block
 * the other" with two probes of one index, (a, b) and (b, a), which is how every check reads it
 * (creating a personal chat, adding a member, sending in a two-person chat, joining by invite).
 * The reverse index lists who blocked a user (a blocked user's sockets leave shared two-person
 * rooms). A user cannot block themselves (the check is the last word; the service answers 400).
 */
export class UserBlocks1765600000000 implements MigrationInterface {
  name = 'UserBlocks1765600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE user_blocks (
        blocker_id integer NOT NULL,
        blocked_id integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT user_blocks_pkey PRIMARY KEY (blocker_id, blocked_id),
        CONSTRAINT user_blocks_blocker_id_fkey FOREIGN KEY (blocker_id) REFERENCES users (id) ON DELETE CASCADE,
        CONSTRAINT user_blocks_blocked_id_fkey FOREIGN KEY (blocked_id) REFERENCES users (id) ON DELETE CASCADE,
        CONSTRAINT user_blocks_not_self_check CHECK (blocker_id <> blocked_id)
      )`);
    await db.query(`CREATE INDEX user_blocks_blocked_idx ON user_blocks (blocked_id, blocker_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE user_blocks`);
  }
}
