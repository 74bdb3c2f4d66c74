import type { ChatType } from '../../src/database/entities/chat.entity';
import {
  CrossChatSearchFilter,
  crossChatSearchQuery,
  crossChatWindow,
} from '../../src/repositories/cross-chat-search.repository';
import { MessageSearchRepository } from '../../src/repositories/message-search.repository';
import { MessagesRepository } from '../../src/repositories/messages.repository';
import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';
import { randomTexts, referenceCrossChatPage } from '../support/search-reference.helpers';

/**
 * The search across chats (crossChatSearchQuery) against one filtered scan of every message, on
 * random data: messages of nine chats interleaved (so ids of one chat are not contiguous), blocks
 * built at random moments (some closing the chat's tail) and tails left unbuilt, edits before and after their block's build,
 * deletes, a chat the viewer left, one they were removed from, a deleted chat and a chat they were
 * never in; words of 1–4 characters over a small alphabet (common and rare), upper and lower case,
 * Cyrillic and Latin, `%` and `_`; every chat type filter, cursor and limit. A page may come from
 * the window of newest messages, the blocks, the edit rows and the tails; it must be the scan's.
 */
describe('search across chats (integration)', () => {
  let m: MigratedDatabase;
  let seed: Seed;
  let viewerId: number;
  let otherId: number;
  let chats: number[];
  const types: ChatType[] = ['keeper', 'seeker', 'vet', 'other', 'keeper', 'vet', 'other', 'seeker', 'vet'];

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_cross_chat_search');
    seed = new Seed(m.db);
    viewerId = await seed.user();
    otherId = await seed.user();
    const other = otherId;
    const third = await seed.user();
    chats = [];
    for (const [i, type] of types.entries()) {
      // The last chat is the other two's only: never the viewer's.
      chats.push(await seed.chat(i === 8 ? other : viewerId, i === 8 ? [third] : [other], type));
    }
  });
  afterAll(() => m.drop());

  async function page(filter: CrossChatSearchFilter): Promise<number[]> {
    const { sql, params } = crossChatSearchQuery(viewerId, filter);
    const rows: { id: number }[] = await m.db.query(sql, params);
    return rows.map((row) => row.id);
  }

  it('finds exactly what a filtered scan finds, window, blocks, tails, edits and deletes mixed', async () => {
    const { next, pick, letters, text } = randomTexts(14);
    const messages = new MessagesRepository(m.db);
    const search = new MessageSearchRepository(m.db);
    // 2,400 messages over the nine chats (≈ 4 blocks each and a tail), sent in batches.
    for (let batch = 0; batch < 48; batch++) {
      const sent = await seed.sendBatch(
        Array.from({ length: 50 }, () => {
          const chatId = pick(chats);
          // Every chat has the other user; the last one not the viewer.
          return {
            chatId,
            senderId: next() < 0.5 ? otherId : viewerId,
            content: text(),
            clientMessageId: null,
          };
        }).map((request) => (request.chatId === chats[8] ? { ...request, senderId: otherId } : request)),
      );
      expect(sent).toHaveLength(50);
      for (let i = 0; i < 12; i++) {
        const [row]: { id: number; chat_id: number }[] = await m.db.query(
          'SELECT id, chat_id FROM messages ORDER BY id LIMIT 1 OFFSET floor($1::float8 * (SELECT count(*) FROM messages))::int',
          [next()],
        );
        if (next() < 0.2) await messages.softDelete(row.chat_id, row.id);
        else await messages.edit(row.chat_id, row.id, text());
      }
      if (next() < 0.5) await search.buildSegments(pick(chats), next() < 0.3);
    }
    for (const chatId of chats) if (next() < 0.7) await search.buildSegments(chatId, next() < 0.3);
    // The viewer leaves chat 6, is removed from chat 7 (the same column), chat 5 is deleted.
    await m.db.query('UPDATE chat_members SET removed_at = now() WHERE chat_id = ANY($1) AND user_id = $2', [
      [chats[6], chats[7]],
      viewerId,
    ]);
    await m.db.query('UPDATE chats SET deleted_at = now() WHERE id = $1', [chats[5]]);
    await m.db.query('ANALYZE');
    const [{ max }]: { max: number }[] = await m.db.query('SELECT max(id) FROM messages');

    let nonEmpty = 0;
    let pastWindow = 0;
    for (let i = 0; i < 300; i++) {
      const filter: CrossChatSearchFilter = {
        query: Array.from({ length: 1 + Math.floor(next() * 2) }, () =>
          Array.from({ length: 1 + Math.floor(next() * 4) }, () => pick(letters)).join(''),
        ).join(' '),
        limit: pick([1, 2, 5, 20]),
        ...(next() < 0.3
          ? { chatType: pick(['keeper', 'seeker', 'vet', 'other', 'response'] as const) }
          : {}),
        ...(next() < 0.4 ? { beforeId: 1 + Math.floor(next() * (max + 10)) } : {}),
      };
      const expected = await referenceCrossChatPage(m.db, viewerId, filter);
      expect({ filter, ids: await page(filter) }).toEqual({ filter, ids: expected });
      if (expected.length > 0) nonEmpty++;
      // Matches older than the window's newest crossChatWindow messages: the index's part.
      if (expected.length > 0 && expected[expected.length - 1] < max - crossChatWindow(filter.limit))
        pastWindow++;
    }
    // Both kinds of answer occur, and many pages reach past the window.
    expect(nonEmpty).toBeGreaterThan(100);
    expect(300 - nonEmpty).toBeGreaterThan(20);
    expect(pastWindow).toBeGreaterThan(50);

    // Paging with the last id of each page covers the scan's whole answer once, in order.
    for (const query of ['к', 'ё', 'ab', '%']) {
      const everything = await referenceCrossChatPage(m.db, viewerId, { query, limit: 100_000 });
      const walked: number[] = [];
      let beforeId: number | undefined;
      for (;;) {
        const ids = await page({ query, limit: 7, beforeId });
        walked.push(...ids.slice(0, 7));
        if (ids.length <= 7) break;
        beforeId = ids[6];
      }
      expect({ query, walked }).toEqual({ query, walked: everything });
    }
  }, 120_000);
  it('counts an edited message once when it bounds the blocks to read (line and edit row both match)', async () => {
    const fill = (chatId: number, count: number, special: Record<number, string>) =>
      seed.sendBatch(
        Array.from({ length: count }, (_, i) => ({
          chatId,
          senderId: viewerId,
          content: special[i + 1] ?? 'пусто',
          clientMessageId: null,
        })),
      );
    const search = new MessageSearchRepository(m.db);
    const older = await seed.chat(viewerId, [otherId], 'vet');
    await fill(older, 64, { 3: 'дубль ранний' });
    const newer = await seed.chat(viewerId, [otherId], 'vet');
    const sent = await fill(newer, 64, { 5: 'дубль старый' });
    await search.buildSegments(older);
    await search.buildSegments(newer);
    // Its block's line and its edit row both have the word: one message, not two matches.
    const edited = sent.find((row) => row.seq === 5)!;
    await new MessagesRepository(m.db).edit(newer, edited.id, 'дубль новый');
    // Past the window of a page of 1 (80 messages).
    await fill(await seed.chat(viewerId, [otherId], 'vet'), 100, {});
    const [early]: { id: number }[] = await m.db.query(
      'SELECT id FROM messages WHERE chat_id = $1 AND seq = 3',
      [older],
    );
    expect(await page({ query: 'дубль', limit: 1 })).toEqual([edited.id, early.id]);
    expect(await referenceCrossChatPage(m.db, viewerId, { query: 'дубль', limit: 1 })).toEqual([
      edited.id,
      early.id,
    ]);
  });
});
