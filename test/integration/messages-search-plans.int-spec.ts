import { MessageSearchRepository } from '../../src/repositories/message-search.repository';
import { historyQuery, HistoryFilter } from '../../src/repositories/messages.repository';
import { buffersOf, explainAnalyze, nodesOf } from '../support/query-plan.helpers';
import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';
import { referenceSearchPage } from '../support/search-reference.helpers';

/**
 * The search of historyQuery (docs/perf-messages-write.md) on a chat of 100,000 messages,
 * analyzed: the newest search blocks of the range first (message_search_segments, in order), the
 * trigram index of the blocks only for what they do not fill.
 * Walking the chat's seq index and filtering every row read about 2,000 buffers (90–134 ms) for a
 * word too rare to fill the page; a search forced onto the trigram index, about 1,000 and 48–130 ms
 * for a common or a short word.
 */
describe('message search on 100,000 messages (integration)', () => {
  let m: MigratedDatabase;
  let chatId: number;
  let viewerId: number;
  let seed: Seed;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_message_search');
    seed = new Seed(m.db);
    viewerId = await seed.user();
    const other = await seed.user();
    chatId = await seed.chat(viewerId, [other]);
    await m.db.query(
      `INSERT INTO messages (chat_id, seq, sender_id, sender_name, content, deleted_at)
       SELECT $1, s, $2, 'X',
              (ARRAY['Кот', 'кошка', 'Рыжий', 'котёнок', 'cat', 'Vet', 'корм', 'foster'])[1 + s % 8] || ' ' ||
              (ARRAY['у подъезда', 'на Лесной', 'near the park', 'нужна помощь', 'ищем дом'])[1 + s % 5] ||
              ' #' || s || CASE WHEN s % 10000 = 7 THEN ' Переноска_50%' ELSE '' END,
              CASE WHEN s % 500 = 0 OR s = 90007 THEN now() END
         FROM generate_series(1, 100000) s`,
      [chatId, other],
    );
    await m.db.query('UPDATE chats SET last_seq = 100000 WHERE id = $1', [chatId]);
    // The blocks of the first 99,968 messages (the indexer's work after sends); the last 32 are
    // the tail that a search reads directly.
    await new MessageSearchRepository(m.db).buildSegments(chatId);
    await m.db.query('VACUUM ANALYZE messages, message_search_segments');
  }, 120_000);
  afterAll(() => m.drop());

  /** The buffers a search reads and the indexes it actually scans (a skipped step scans none). */
  async function explain(filter: HistoryFilter): Promise<{ buffers: number; indexes: string[] }> {
    const { sql, params } = historyQuery(chatId, viewerId, filter);
    const plan = await explainAnalyze(m.db, sql, params);
    const indexes = [...nodesOf(plan)]
      .filter((node) => node['Actual Loops'] > 0)
      .flatMap((node) => (node['Index Name'] ? [node['Index Name']] : []));
    return { buffers: buffersOf(plan), indexes };
  }

  const reference = (filter: HistoryFilter): Promise<number[]> => referenceSearchPage(m.db, chatId, filter);

  it('finds a rare word through the trigram index after a short walk, reading few buffers', async () => {
    const { buffers, indexes } = await explain({ limit: 50, query: 'переноска' });
    // About 200 buffers here; walking the whole chat read about 2,000.
    expect(buffers).toBeLessThan(500);
    expect(indexes).toContain('message_search_segments_trgm_idx');
    expect(indexes).not.toContain('messages_chat_content_trgm_idx');
  });

  it('bounds a rare word too short for trigrams by the blocks: 1/64 of the rows to read', async () => {
    // `Пер` and `_50` have trigrams; `5`, `0%` and `ка_` (in `переноска_50%` only) make the
    // pattern of each word below too short for any: the blocks are read without the index.
    const { buffers } = await explain({ limit: 50, query: '_5' });
    // About 1,500 pages of blocks and the 10 matches' messages; filtering every message read
    // about 2,300 buffers in 100-280 ms.
    expect(buffers).toBeLessThan(2000);
    const { sql, params } = historyQuery(chatId, viewerId, { limit: 50, query: '_5' });
    const rows: { seq: number }[] = await m.db.query(sql, params);
    expect(rows.map((row) => row.seq)).toEqual(await reference({ limit: 50, query: '_5' }));
    expect(rows).toHaveLength(9);
  });

  it('pages through a common or a short word by the window of newest blocks alone', async () => {
    for (const query of ['кот', 'ка', 'у', 'PARK']) {
      const { buffers, indexes } = await explain({ limit: 50, query });
      // About 200 (a few blocks, an index probe per match); the trigram index, about 1,000.
      expect({ query, buffers: buffers < 400 }).toEqual({ query, buffers: true });
      expect(indexes).toContain('message_search_segments_chat_blocks_idx');
      expect(indexes).not.toContain('message_search_segments_trgm_idx');
    }
  });

  it('returns what one filtered walk returns: newest first or oldest first, bounds, literal % and _', async () => {
    const filters: HistoryFilter[] = [
      { limit: 50, query: 'ПЕРЕНОСКА' },
      { limit: 5, query: 'переноска_50%' },
      { limit: 3, query: 'переноска', before: 70007 },
      { limit: 3, query: 'переноска', after: 20007, sort: 'asc' },
      { limit: 50, query: 'переноска', sort: 'asc' },
      { limit: 50, query: 'переноска x_50' },
      { limit: 50, query: 'переноска 50%%' },
      { limit: 20, query: 'кот park' },
      { limit: 20, query: 'кот park', before: 3000, after: 1000, sort: 'asc' },
      { limit: 100, query: 'котёнок', before: 1500 },
      { limit: 50, query: 'vet #9999' },
      { limit: 50, query: '#99 near', after: 98000 },
      // The tail past the last block (99,969-100,000), past the window: oldest first from 95,000.
      { limit: 1, query: '#9999', after: 95000, sort: 'asc' },
      { limit: 1, query: '#100000', after: 1000, sort: 'asc' },
      { limit: 1, query: 'cat #9997', after: 99900, sort: 'asc' },
    ];
    for (const filter of filters) {
      const { sql, params } = historyQuery(chatId, viewerId, filter);
      const rows: { seq: number }[] = await m.db.query(sql, params);
      expect({ filter, seqs: rows.map((row) => row.seq) }).toEqual({ filter, seqs: await reference(filter) });
    }
    const { sql, params } = historyQuery(chatId, viewerId, { limit: 50, query: 'переноска' });
    const rows: { seq: number }[] = await m.db.query(sql, params);
    // Ten planted, the one at 90007 deleted.
    expect(rows.map((row) => row.seq)).toEqual([80007, 70007, 60007, 50007, 40007, 30007, 20007, 10007, 7]);
  });

  it('finds nothing for a viewer who is not a member, in either step', async () => {
    const stranger = await seed.user();
    for (const query of ['переноска', 'кот']) {
      const { sql, params } = historyQuery(chatId, stranger, { limit: 50, query });
      expect(await m.db.query(sql, params)).toEqual([]);
    }
  });
});
