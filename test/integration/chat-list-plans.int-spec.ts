import type { EntityManager } from 'typeorm';
import { ChatsRepository } from '../../src/repositories/chats.repository';
import { buffersOf, explainAnalyze, nodesOf, type PlanNode } from '../support/query-plan.helpers';
import { migratedDatabase, MigratedDatabase } from '../support/integration-database.fixture';

/**
 * The chat list's plan before PostgreSQL has any statistics (a new deployment, a bulk import):
 * 2,000 chats of two, 100,000 messages, the viewer in 200 chats, autovacuum kept off the tables.
 * With partial `IS NULL` indexes the planner took one for nearly empty and scanned it whole per
 * membership (41,395 buffers for a page); see migration 1764700000000.
 */
describe('The chat list without statistics (integration)', () => {
  let m: MigratedDatabase;

  beforeAll(async () => {
    m = await migratedDatabase('chat_plans');
    const q = (sql: string): Promise<unknown> => m.db.query(sql);
    for (const table of ['users', 'chats', 'chat_members', 'messages']) {
      await q(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    }
    await q(`INSERT INTO users (username, display_name, password_hash)
             SELECT 'user' || g, 'User ' || g, 'x' FROM generate_series(1, 500) g`);
    await q(`INSERT INTO chats (chat_type, created_by, member_key, last_seq, updated_at)
             SELECT 'other', 1, 'k' || g, 50, now() - g * interval '1 minute' FROM generate_series(1, 2000) g`);
    await q(`INSERT INTO chat_members (chat_id, user_id, role, last_read_seq)
             SELECT c.id, CASE WHEN c.id <= 200 THEN 1 ELSE 2 + (c.id % 499) END, 'owner', 25 FROM chats c`);
    await q(`INSERT INTO chat_members (chat_id, user_id, role, last_read_seq)
             SELECT c.id, 3 + (c.id * 7) % 498, 'member', 25 FROM chats c ON CONFLICT DO NOTHING`);
    await q(`INSERT INTO messages (chat_id, seq, sender_id, sender_name, content)
             SELECT c.id, s, 1 + (s % 2) * 2, 'n', 'message ' || s FROM chats c, generate_series(1, 50) s`);
    const [stats]: { analyzed: number }[] = await m.db.query(
      `SELECT count(*)::int AS analyzed FROM pg_stats WHERE tablename IN ('chats', 'chat_members', 'messages')`,
    );
    expect(stats.analyzed).toBe(0);
  }, 60_000);

  afterAll(() => m.drop());

  /** The plan and buffers of the repository's own page statement for user 1. */
  async function explainPage(): Promise<PlanNode> {
    let statement: { sql: string; params: unknown[] } | undefined;
    const recorder = {
      query: (sql: string, params: unknown[]) => {
        statement = { sql, params };
        return Promise.resolve([]);
      },
    } as unknown as EntityManager;
    await new ChatsRepository(m.db).page(1, { limit: 21 }, recorder);
    return explainAnalyze(m.db, statement!.sql, statement!.params);
  }

  it('reads a page through the viewer memberships, not by scanning every chat', async () => {
    const plan = await explainPage();
    const buffers = buffersOf(plan);
    // The robust plan reads about 4,500 buffers here, the analyzed one about 300.
    expect(buffers).toBeLessThan(10_000);
    const wholeIndexScans = [...nodesOf(plan)]
      .filter((node) => node['Index Name'] === 'chats_member_key_idx')
      .map((node) => `${node['Node Type']} on ${node['Index Name']}`);
    expect(wholeIndexScans).toEqual([]);
  });

  it('reads the views of the page’s chats only, whatever the planner thinks of their subqueries', async () => {
    // message_mentions is empty and known to be: its subquery looks free, and PostgreSQL ran it
    // before the sort for each of the viewer's 200 chats. Every per-chat subquery now runs once
    // per row of the page.
    const [mentions]: { n: number }[] = await m.db.query('SELECT count(*)::int AS n FROM message_mentions');
    expect(mentions.n).toBe(0);
    // Known to be empty (autovacuum's view of a deployment where nobody was mentioned yet).
    await m.db.query('VACUUM ANALYZE message_mentions');
    const plan = await explainPage();
    const subPlans = [...nodesOf(plan)].filter((node) => node['Parent Relationship'] === 'SubPlan');
    expect(subPlans.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...subPlans.map((node) => node['Actual Loops']))).toBeLessThanOrEqual(21);
  });

  it("looks up each chat's members by the primary key", async () => {
    const plan = await explainPage();
    // Index lookups by chat alone (the viewer's own membership is looked up by user and chat).
    const memberLookups = [...nodesOf(plan)].filter(
      (node) => node['Index Cond']?.includes('chat_id = c.id') && !node['Index Cond'].includes('user_id'),
    );
    expect(memberLookups.map((node) => node['Index Name'])).toContain('chat_members_pkey');
    expect(memberLookups.map((node) => node['Index Name'])).not.toContain('chat_members_user_idx');
  });
});
