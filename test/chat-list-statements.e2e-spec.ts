import type { QueryRunner } from 'typeorm';
import { startApp, TestApp } from './support/app.fixture';
import { registerUser, TestUser } from './support/users.helpers';

/**
 * The chat list must cost a constant number of SQL statements per page, whatever the number of
 * chats (seed-system defect 11: 3 queries plus 2 per chat).
 */
describe('chat list statement count (e2e)', () => {
  let t: TestApp;
  let statements: string[] = [];
  let restore: () => void;

  beforeAll(async () => {
    t = await startApp();
    const logger = t.db.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (query: string, parameters?: unknown[], runner?: QueryRunner): void => {
      statements.push(query);
      original(query, parameters, runner);
    };
    restore = () => {
      logger.logQuery = original;
    };
  });
  afterAll(async () => {
    restore();
    await t.close();
  });

  /** `count` chats for `user`, each with a partner and a few messages (one deleted), in bulk SQL. */
  async function giveChats(user: TestUser, partner: TestUser, count: number): Promise<void> {
    await t.db.query(
      `WITH c AS (
         INSERT INTO chats (chat_type, created_by, member_key, last_seq, updated_at)
         SELECT 'other', $1::int, least($1::int, $2::int) || ',' || greatest($1::int, $2::int), 3, now() - g * interval '1 second'
           FROM generate_series(1, $3) g
         RETURNING id
       ), m AS (
         INSERT INTO chat_members (chat_id, user_id, role)
         SELECT id, $1::int, 'owner' FROM c UNION ALL SELECT id, $2::int, 'member' FROM c
       )
       INSERT INTO messages (chat_id, seq, sender_id, sender_name, content, deleted_at)
       SELECT c.id, s, $2::int, 'partner', 'message ' || s, CASE WHEN s = 3 THEN now() END
         FROM c CROSS JOIN generate_series(1, 3) s`,
      [user.id, partner.id, count],
    );
  }

  async function countListStatements(user: TestUser): Promise<{ statements: number; items: number }> {
    statements = [];
    const res = await t.http().get('/api/v1/chats').query({ limit: 100 }).set(user.auth).expect(200);
    return { statements: statements.length, items: res.body.items.length };
  }

  it('costs the same for 2 chats and for 200', async () => {
    const [few, many, partner] = [await registerUser(t), await registerUser(t), await registerUser(t)];
    await giveChats(few, partner, 2);
    await giveChats(many, partner, 200);

    const small = await countListStatements(few);
    const large = await countListStatements(many);
    expect(small.items).toBe(2);
    expect(large.items).toBe(100);
    expect(large.statements).toBe(small.statements);
    // One statement: chats, my_role, unread counts, last messages and members together.
    expect(large.statements).toBe(1);

    // And the set-based figures are right: unread counts skip the deleted message.
    const res = await t.http().get('/api/v1/chats').query({ limit: 1 }).set(many.auth).expect(200);
    expect(res.body.items[0]).toEqual(
      expect.objectContaining({
        unread_count: 2,
        last_message: expect.objectContaining({ seq: 2, content: 'message 2' }),
        members: [
          expect.objectContaining({ user_id: many.id, role: 'owner', last_read_seq: 0 }),
          expect.objectContaining({ user_id: partner.id, role: 'member', last_read_seq: 0 }),
        ],
      }),
    );
  });
});
