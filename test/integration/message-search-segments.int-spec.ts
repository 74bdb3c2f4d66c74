import {
  BUILD_SEGMENTS_SQL,
  MessageSearchRepository,
  SEARCH_SEGMENT_SIZE,
} from '../../src/repositories/message-search.repository';
import { historyQuery, HistoryFilter, MessagesRepository } from '../../src/repositories/messages.repository';
import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';
import { randomTexts, referenceSearchPage } from '../support/search-reference.helpers';

/**
 * The search by segments (message_search_segments, historyQuery) against the plain filtered scan
 * of the messages, on random data: blocks built at random moments, a tail never built, edits
 * before and after their block was built, deletes, words of 1–4 characters over a small alphabet
 * (so that they match often and rarely), upper and lower case, Cyrillic and Latin, `%` and `_`,
 * every order and bound. A page may use the newest rows, the tail, the blocks and the edit rows;
 * it must be exactly the scan's.
 */
describe('message search by segments (integration)', () => {
  let m: MigratedDatabase;
  let seed: Seed;
  let messages: MessagesRepository;
  let search: MessageSearchRepository;
  let viewerId: number;
  let chatId: number;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_search_segments');
    seed = new Seed(m.db);
    messages = new MessagesRepository(m.db);
    search = new MessageSearchRepository(m.db);
    viewerId = await seed.user();
    const other = await seed.user();
    chatId = await seed.chat(viewerId, [other]);
  });
  afterAll(() => m.drop());

  const reference = (filter: HistoryFilter): Promise<number[]> => referenceSearchPage(m.db, chatId, filter);

  async function page(filter: HistoryFilter): Promise<number[]> {
    const { sql, params } = historyQuery(chatId, viewerId, filter);
    const rows: { seq: number }[] = await m.db.query(sql, params);
    return rows.map((row) => row.seq);
  }

  it('finds exactly what a filtered scan finds, blocks, tail, edits and deletes mixed', async () => {
    const { next, pick, letters, text } = randomTexts(12);
    let sent = 0;
    // 1,300 messages (20 blocks and a tail of 20; some of several lines), sent in batches; blocks built now and then,
    // edits and deletes in between, so that some edits precede their block's build and some follow.
    while (sent < 1300) {
      const batch = Array.from({ length: 50 }, () => ({
        chatId,
        senderId: viewerId,
        content: text(),
        clientMessageId: null,
      }));
      await seed.sendBatch(batch);
      sent += batch.length;
      for (let i = 0; i < 15; i++) {
        const seq = 1 + Math.floor(next() * sent);
        const [row]: { id: number }[] = await m.db.query(
          'SELECT id FROM messages WHERE chat_id = $1 AND seq = $2',
          [chatId, seq],
        );
        if (next() < 0.2) await messages.softDelete(chatId, row.id);
        else await messages.edit(chatId, row.id, text());
      }
      // Now and then the tail closed too (as when the chat goes quiet), so that blocks start
      // past a closed tail and end on the boundary; not after 1,250, to keep a tail below.
      if (next() < 0.5) await search.buildSegments(chatId, sent < 1250 && next() < 0.4);
    }
    // The last complete block built, the tail (past 1,280) is not.
    await search.buildSegments(chatId);
    const [covered]: { max: number }[] = await m.db.query(
      'SELECT max(last_seq) FROM message_search_segments WHERE chat_id = $1 AND first_seq < last_seq',
      [chatId],
    );
    expect(covered.max).toBe(Math.floor(1300 / SEARCH_SEGMENT_SIZE) * SEARCH_SEGMENT_SIZE);
    // Contiguous from seq 1, no overlap, each inside one aligned range; some end a closed tail.
    const blocks: { first_seq: number; last_seq: number }[] = await m.db.query(
      `SELECT first_seq, last_seq FROM message_search_segments
        WHERE chat_id = $1 AND first_seq < last_seq ORDER BY first_seq`,
      [chatId],
    );
    const range = (seq: number) => Math.ceil(seq / SEARCH_SEGMENT_SIZE);
    expect(
      blocks.filter(
        (block, i) =>
          block.first_seq !== (i === 0 ? 1 : blocks[i - 1].last_seq + 1) ||
          range(block.first_seq) !== range(block.last_seq),
      ),
    ).toEqual([]);
    expect(blocks.filter((block) => block.last_seq % SEARCH_SEGMENT_SIZE !== 0).length).toBeGreaterThan(2);
    await m.db.query('ANALYZE messages, message_search_segments');

    let compared = 0;
    let nonEmpty = 0;
    for (let i = 0; i < 400; i++) {
      const words = Array.from({ length: 1 + Math.floor(next() * 2) }, () =>
        Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(letters)).join(''),
      );
      const filter: HistoryFilter = {
        query: words.join(' '),
        limit: pick([1, 2, 5, 20]),
        sort: pick(['asc', 'desc'] as const),
        ...(next() < 0.3 ? { before: 1 + Math.floor(next() * 1320) } : {}),
        ...(next() < 0.3 ? { after: Math.floor(next() * 1300) } : {}),
      };
      const expected = await reference(filter);
      expect({ filter, seqs: await page(filter) }).toEqual({ filter, seqs: expected });
      compared++;
      if (expected.length > 0) nonEmpty++;
    }
    expect(compared).toBe(400);
    // Both kinds of answer occur: the comparison is not only of empty pages.
    expect(nonEmpty).toBeGreaterThan(100);
    expect(compared - nonEmpty).toBeGreaterThan(20);
  }, 120_000);

  it('keeps an edit that commits while a builder reads the old content', async () => {
    const chat = await seed.chat(viewerId, [await seed.user()]);
    await seed.sendBatch(
      Array.from({ length: SEARCH_SEGMENT_SIZE }, (_, i) => ({
        chatId: chat,
        senderId: viewerId,
        content: i === 3 ? 'старый текст' : `сообщение ${i}`,
        clientMessageId: null,
      })),
    );
    const [target]: { id: number }[] = await m.db.query(
      'SELECT id FROM messages WHERE chat_id = $1 AND seq = 4',
      [chat],
    );
    const builder = m.db.createQueryRunner();
    await builder.connect();
    try {
      // The builder's snapshot is taken before the edit commits: it reads 'старый текст'.
      await builder.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await builder.query('SELECT count(*) FROM messages WHERE chat_id = $1', [chat]);
      await messages.edit(chat, target.id, 'новый барсучок');
      await builder.query(BUILD_SEGMENTS_SQL, [chat, false]);
      await builder.query('COMMIT');
    } finally {
      await builder.release();
    }
    const [block]: { content: string }[] = await m.db.query(
      'SELECT content FROM message_search_segments WHERE chat_id = $1 AND first_seq < last_seq',
      [chat],
    );
    expect(block.content).toContain('старый текст');
    expect(block.content).not.toContain('барсучок');
    // A window of 40 rows (limit 0 + 1): seq 4 is past it, in the block; the edit row finds it.
    for (const [query, seqs] of [
      ['БАРСУЧОК', [4]],
      ['старый', []],
    ] as const) {
      const { sql, params } = historyQuery(chat, viewerId, { limit: 0, query });
      const rows: { seq: number }[] = await m.db.query(sql, params);
      expect({ query, seqs: rows.map((row) => row.seq) }).toEqual({ query, seqs });
    }
  });
});
