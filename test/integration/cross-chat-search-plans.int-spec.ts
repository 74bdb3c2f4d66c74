import { populateSearchChats } from '../../bench/lib/search-population';
import { RARE_WORD } from '../../bench/lib/bulk';
import {
  crossChatSearchQuery,
  CrossChatSearchFilter,
} from '../../src/repositories/cross-chat-search.repository';
import { buffersOf, explainAnalyze, nodesOf, PlanNode } from '../support/query-plan.helpers';
import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';
import { referenceCrossChatPage } from '../support/search-reference.helpers';

/**
 * The search across chats (docs/perf-search.md) for one user in 500 chats, 200,000 messages
 * interleaved over them (the bench's `xsearch` scenario loads 1,000,000 the same way; 200,000 keep
 * this file within seconds), analyzed: a common word is found in the window of newest messages
 * alone, without touching the trigram index or any chat's tail; a rare one through the trigram
 * index of the blocks and the chats' tails, in a bounded number of buffers; no plan is costed
 * past jit_above_cost (JIT compiled a statement once for 0.5–1.8 s).
 */
describe('search across 500 chats (integration)', () => {
  let m: MigratedDatabase;
  let viewerId: number;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_cross_chat_plans');
    const seed = new Seed(m.db);
    viewerId = await seed.user();
    await populateSearchChats(m.db, viewerId, await seed.user(), 500, 200_000);
  }, 120_000);
  afterAll(() => m.drop());

  /** The plan's buffers, the indexes its executed nodes scanned, and its estimated cost. */
  async function explain(
    filter: CrossChatSearchFilter,
  ): Promise<{ buffers: number; indexes: string[]; plan: PlanNode }> {
    const { sql, params } = crossChatSearchQuery(viewerId, filter);
    const plan = await explainAnalyze(m.db, sql, params);
    const indexes = [...nodesOf(plan)]
      .filter((node) => node['Actual Loops'] > 0)
      .flatMap((node) => (node['Index Name'] ? [node['Index Name']] : []));
    return { buffers: buffersOf(plan), indexes, plan };
  }

  async function expectReference(filter: CrossChatSearchFilter): Promise<number> {
    const { sql, params } = crossChatSearchQuery(viewerId, filter);
    const rows: { id: number }[] = await m.db.query(sql, params);
    expect(rows.map((row) => row.id)).toEqual(await referenceCrossChatPage(m.db, viewerId, filter));
    return rows.length;
  }

  it('finds a common word in the window of newest messages, without the trigram index or the tails', async () => {
    for (const query of ['кошка', 'SHELTER', 'ка']) {
      const { buffers, indexes } = await explain({ query, limit: 50 });
      // About 60 buffers of messages_pkey and the window's heap, 200 for the page's rows.
      expect({ query, buffers: buffers < 600 }).toEqual({ query, buffers: true });
      expect(indexes).toContain('messages_pkey');
      expect(indexes).not.toContain('message_search_segments_trgm_idx');
      expect(indexes).not.toContain('messages_chat_seq_key');
      expect(await expectReference({ query, limit: 50 })).toBe(51);
    }
  });

  it('finds a rare word through the trigram index of the blocks, in a bounded number of buffers', async () => {
    const { buffers, indexes } = await explain({ query: RARE_WORD, limit: 50 });
    expect(indexes).toContain('message_search_segments_trgm_idx');
    // About 1,900 (the window, a few steps of the walk, each chat's last block looked up; the
    // tails are closed, as the indexer leaves quiet chats). Before the walk by top_id, 12,000:
    // every candidate block's top probed and the 500 open tails read.
    expect(buffers).toBeLessThan(3_000);
    expect(await expectReference({ query: RARE_WORD, limit: 50 })).toBe(51);
    // No match at all: the same path, every candidate and tail read, an empty page.
    const none = await explain({ query: 'zzzq', limit: 50 });
    expect(none.buffers).toBeLessThan(3_000);
    expect(await expectReference({ query: 'zzzq', limit: 50 })).toBe(0);
  });

  it('keeps every search below jit_above_cost, so that no search is JIT-compiled', async () => {
    const [{ jit_above_cost }]: { jit_above_cost: string }[] = await m.db.query('SHOW jit_above_cost');
    for (const query of ['кошка', RARE_WORD, 'zzzq', 'ка', 'zq']) {
      const { plan } = await explain({ query, limit: 100 });
      const cost = (plan as PlanNode & { 'Total Cost': number })['Total Cost'];
      expect({ query, cost: cost < Number(jit_above_cost) }).toEqual({ query, cost: true });
    }
  });
});
