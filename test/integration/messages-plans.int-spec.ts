import { MessageSearchRepository } from '../../src/repositories/message-search.repository';
import { historyQuery } from '../../src/repositories/messages.repository';
import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';

/**
 * The plans of the reads on messages after MessagesWriteCost dropped messages_chat_live_seq_idx
 * (docs/perf-messages-write.md): on a chat of 100,000 messages, analyzed, history pages walk the
 * unique (chat_id, seq) index and a selective search uses the trigram index of the search blocks
 * (MessageSearchSegments: messages itself has no trigram index any more).
 */
describe('messages read plans on 100,000 messages (integration)', () => {
  let m: MigratedDatabase;
  let chatId: number;
  let viewerId: number;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_message_plans');
    const seed = new Seed(m.db);
    viewerId = await seed.user();
    const other = await seed.user();
    chatId = await seed.chat(viewerId, [other]);
    await m.db.query(
      `INSERT INTO messages (chat_id, seq, sender_id, sender_name, content, deleted_at)
       SELECT $1, s, $2, 'X',
              (ARRAY['Кот', 'кошка', 'Рыжий', 'котёнок', 'cat', 'Vet', 'корм', 'foster'])[1 + s % 8] || ' ' ||
              (ARRAY['у подъезда', 'на Лесной', 'near the park', 'нужна помощь', 'ищем дом'])[1 + s % 5] ||
              ' #' || s || CASE WHEN s % 1000 = 3 THEN ' Стерилизация 100% бесплатно' ELSE '' END,
              CASE WHEN s % 500 = 0 THEN now() END
         FROM generate_series(1, 100000) s`,
      [chatId, other],
    );
    await m.db.query('UPDATE chats SET last_seq = 100000 WHERE id = $1', [chatId]);
    await new MessageSearchRepository(m.db).buildSegments(chatId);
    await m.db.query('VACUUM ANALYZE messages, message_search_segments');
  }, 120_000);
  afterAll(() => m.drop());

  async function plan(filter: Parameters<typeof historyQuery>[2]): Promise<string> {
    const { sql, params } = historyQuery(chatId, viewerId, filter);
    const rows: { 'QUERY PLAN': string }[] = await m.db.query(`EXPLAIN (COSTS OFF) ${sql}`, params);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  it('has no separate index of live messages by seq: the unique (chat_id, seq) index serves', async () => {
    const indexes: { indexname: string }[] = await m.db.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'messages' ORDER BY indexname`,
    );
    expect(indexes.map((row) => row.indexname)).not.toContain('messages_chat_live_seq_idx');
    expect(await plan({ limit: 50 })).toMatch(/Index Scan Backward using messages_chat_seq_key/);
    expect(await plan({ limit: 50, before: 50000 })).toMatch(
      /Index Scan Backward using messages_chat_seq_key/,
    );
    expect(await plan({ limit: 50, after: 99000, sort: 'asc' })).toMatch(
      /Index Scan using messages_chat_seq_key/,
    );
  });

  it('searches through the trigram index of the blocks, which keeps fastupdate on; messages has none', async () => {
    expect(await plan({ limit: 50, query: 'стерилизация 100%' })).toMatch(
      /Bitmap Index Scan on message_search_segments_trgm_idx/,
    );
    const indexes: { indexname: string; indexdef: string }[] = await m.db.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('messages', 'message_search_segments')`,
    );
    expect(indexes.filter((index) => /gin/.test(index.indexdef)).map((index) => index.indexname)).toEqual([
      'message_search_segments_trgm_idx',
    ]);
    const [index]: { reloptions: string[] | null }[] = await m.db.query(
      `SELECT reloptions FROM pg_class WHERE relname = 'message_search_segments_trgm_idx'`,
    );
    expect(index.reloptions ?? []).not.toContain('fastupdate=off');
    // 1 MB, not 4: with a long pending list the planner reads every block instead (the migration).
    expect(index.reloptions).toContain('gin_pending_list_limit=1024');
  });

  it('finds the search words as before: case-insensitive, Cyrillic, % literal', async () => {
    const { sql, params } = historyQuery(chatId, viewerId, { limit: 200, query: 'СТЕРИЛИЗАЦИЯ 100%' });
    const rows: { seq: number }[] = await m.db.query(sql, params);
    expect(rows).toHaveLength(100);
    expect(rows.every((row) => row.seq % 1000 === 3)).toBe(true);
  });
});
