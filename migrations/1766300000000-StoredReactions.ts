import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14 (a history page with reactions within 1.5x the bare page): every message with
 * reactions stores their summary, `messages.reactions`, a JSON array of {emoji, count, users} in
 * the order every Message shows (most used first, equal counts by the first reacted, then by
 * emoji), `users` (the reactors' ids) only on messages with at most 32 reactions in all
 * (LISTED_REACTORS in src/repositories/reactions.repository.ts). Reactions are written under the
 * message's lock, and the same transaction rewrites the summary (ReactionsRepository.summarize).
 *
 * A page read the reactions by grouping message_reactions for each of its messages (a subplan
 * per row: ~6 µs of PostgreSQL's CPU for a message with two reactions); it now reads the row's
 * own column, and a reader's `me` comes from `users`, or, past 32 reactions, from a probe of the
 * reader's own emoji. `json`, not `jsonb`: the column is only ever sent as it is, and `json`
 * is sent without a conversion. Existing reactions are summarized here.
 */
export class StoredReactions1766300000000 implements MigrationInterface {
  name = 'StoredReactions1766300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE messages ADD COLUMN reactions json`);
    await db.query(
      `UPDATE messages m SET reactions = s.reactions
         FROM (SELECT rc.message_id,
                      json_agg(CASE WHEN t.n <= 32
                                    THEN json_build_object('emoji', rc.emoji, 'count', rc.count, 'users', rc.users)
                                    ELSE json_build_object('emoji', rc.emoji, 'count', rc.count) END
                               ORDER BY rc.count DESC, rc.first_at, rc.emoji) AS reactions
                 FROM (SELECT r.message_id, r.emoji, count(*)::int AS count,
                              array_agg(r.user_id ORDER BY r.user_id) AS users, min(r.created_at) AS first_at
                         FROM message_reactions r GROUP BY r.message_id, r.emoji) rc
                 JOIN (SELECT r.message_id, count(*)::int AS n FROM message_reactions r GROUP BY r.message_id) t
                   ON t.message_id = rc.message_id
                GROUP BY rc.message_id) s
        WHERE m.id = s.message_id`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE messages DROP COLUMN reactions`);
  }
}
