import { register } from '../lib/api';
import { mirrorToBare, settle } from '../lib/bulk';
import type { BenchContext } from '../lib/context';
import { searchChats, searchMessages } from '../lib/search-population';
import { compareSearches } from './reads';

/**
 * GET /messages/search (issue 14 item 7): one user in 500 chats holding 1,000,000 messages in all
 * (100,000 with --quick), interleaved over the chats as live traffic is (bench/lib/search-population.ts),
 * searched for a rare word (about 0.1% of messages, over every chat), a common one (~18%) and a
 * Latin word in upper case; page of 50, newest first. The bare baseline answers the same search
 * with one statement over a per-message trigram index (bare-sql.ts crossChatSql), the index the
 * service does not have (docs/perf-messages-write.md: its WAL per send).
 */
export async function xsearch(ctx: BenchContext): Promise<void> {
  const chats = 500;
  const count = ctx.options.quick ? 100_000 : 1_000_000;
  const viewer = await register(ctx.service.origin, `x${ctx.runTag}_viewer`);
  const other = await register(ctx.service.origin, `x${ctx.runTag}_other`);
  const chatIds = await searchChats(ctx.setup, viewer.id, other.id, chats);
  await mirrorToBare(ctx);
  ctx.log(`inserting ${count} messages over ${chats} chats with SQL into each database`);
  const started = Date.now();
  await ctx.both((db) => searchMessages(db, chatIds, [viewer.id, other.id], count));
  await settle(ctx);
  ctx.log(`  took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const items = (body: string) => (JSON.parse(body) as { items: unknown[] }).items;
  await compareSearches(
    ctx,
    'xsearch',
    viewer.token,
    {
      service: (q) => `/api/v1/messages/search?limit=50&query=${encodeURIComponent(q)}`,
      bare: (q) => `/xsearch?user_id=${viewer.id}&limit=50&q=${encodeURIComponent(q)}`,
      check: (body) => items(body).length === 50,
    },
    { kind: 'below', value: 50 },
  );
}
