import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes on users.avatar_id and chats.avatar_id (partial: most rows have no avatar). Without
 * them, each attachment row the sweep deletes makes PostgreSQL scan both tables for the
 * ON DELETE SET NULL of their foreign keys, and the read rule "anyone signed in may read a
 * current avatar" (GET /attachments/:id) would scan them too.
 */
export class AvatarIndexes1765260000000 implements MigrationInterface {
  name = 'AvatarIndexes1765260000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX users_avatar_id_idx ON users (avatar_id) WHERE avatar_id IS NOT NULL`);
    await db.query(`CREATE INDEX chats_avatar_id_idx ON chats (avatar_id) WHERE avatar_id IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX chats_avatar_id_idx`);
    await db.query(`DROP INDEX users_avatar_id_idx`);
  }
}
