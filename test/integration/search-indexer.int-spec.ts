import type { AppConfig } from '../../src/config/app.config';
import { MessageSearchIndexer } from '../../src/messages/search-indexer.service';
import {
  MessageSearchRepository,
  SEARCH_SEGMENT_SIZE,
} from '../../src/repositories/message-search.repository';
import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';

/**
 * The search indexer (MessageSearchIndexer) on a real database: a send that completes a block
 * has it built at once; a chat quiet for the quiet period has its tail closed into a shorter
 * block, the next block then starting after it and ending on the boundary; a tail of one
 * message stays open (a row of one seq is an edit row's shape), as does one that would end one
 * seq short of the boundary.
 */
describe('search indexer (integration)', () => {
  const QUIET_MS = 150;
  let m: MigratedDatabase;
  let seed: Seed;
  let indexer: MessageSearchIndexer;
  let senderId: number;
  const indexers: MessageSearchIndexer[] = [];

  /** An indexer with SEARCH_TAIL_QUIET_SECONDS `seconds`, stopped after the suite. */
  function indexerQuietFor(seconds: number): MessageSearchIndexer {
    const made = new MessageSearchIndexer(new MessageSearchRepository(m.db), {
      searchTailQuietSeconds: seconds,
    } as AppConfig);
    indexers.push(made);
    return made;
  }

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_search_indexer');
    seed = new Seed(m.db);
    indexer = indexerQuietFor(QUIET_MS / 1000);
    senderId = await seed.user();
  });
  afterAll(async () => {
    for (const made of indexers) made.onModuleDestroy();
    await m.drop();
  });

  /** Sends `count` messages to chat `chatId` and tells indexer `to` of them. */
  async function send(chatId: number, count: number, to = indexer): Promise<void> {
    const rows = await seed.sendBatch(
      Array.from({ length: count }, (_, i) => ({
        chatId,
        senderId,
        content: `сообщение ${i}`,
        clientMessageId: null,
      })),
    );
    to.noteSent(rows);
  }

  /**
   * The chat's blocks, in order; and checks the coverage the builder recorded with them
   * (chats.search_covered_seq: the last block's last seq, 0 for none), which the search across
   * chats reads instead of the blocks.
   */
  async function blocks(chatId: number): Promise<[number, number][]> {
    await indexer.idle();
    const rows: { first_seq: number; last_seq: number }[] = await m.db.query(
      `SELECT first_seq, last_seq FROM message_search_segments
        WHERE chat_id = $1 AND first_seq < last_seq ORDER BY first_seq`,
      [chatId],
    );
    const [{ covered }]: { covered: number }[] = await m.db.query(
      'SELECT search_covered_seq AS covered FROM chats WHERE id = $1',
      [chatId],
    );
    expect({ chatId, covered }).toEqual({ chatId, covered: rows.at(-1)?.last_seq ?? 0 });
    return rows.map((row) => [row.first_seq, row.last_seq]);
  }

  /** Waits past the quiet period, then for the builds it queued. */
  async function quiet(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS * 2));
    await indexer.idle();
  }

  it('builds a completed block at once and closes the tail once the chat is quiet', async () => {
    const chatId = await seed.chat(senderId, [await seed.user()]);
    await send(chatId, SEARCH_SEGMENT_SIZE + 6);
    expect(await blocks(chatId)).toEqual([[1, 64]]);
    await quiet();
    expect(await blocks(chatId)).toEqual([
      [1, 64],
      [65, 70],
    ]);
    // A tail of one message stays open; of two, it closes.
    await send(chatId, 1);
    await quiet();
    expect(await blocks(chatId)).toHaveLength(2);
    await send(chatId, 1);
    await quiet();
    expect((await blocks(chatId)).slice(2)).toEqual([[71, 72]]);
    // Up to 127 (one short of the boundary): closed at 126; the boundary's block is then 127–128.
    await send(chatId, 55);
    await quiet();
    expect((await blocks(chatId)).slice(3)).toEqual([[73, 126]]);
    await send(chatId, 1);
    expect((await blocks(chatId)).slice(3)).toEqual([
      [73, 126],
      [127, 128],
    ]);
    // Every seq in exactly one block.
    const seqs = (await blocks(chatId)).flatMap(([first, last]) =>
      Array.from({ length: last - first + 1 }, (_, i) => first + i),
    );
    expect(seqs).toEqual(Array.from({ length: 128 }, (_, i) => i + 1));
  });

  it('does not close the tail of a chat that keeps sending', async () => {
    // A quiet period of its own, long against a send, so that a slow machine cannot make a gap.
    const patient = indexerQuietFor(1);
    const chatId = await seed.chat(senderId, [await seed.user()]);
    for (let i = 0; i < 4; i++) {
      await send(chatId, 3, patient);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await patient.idle();
    expect(await blocks(chatId)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await patient.idle();
    expect(await blocks(chatId)).toEqual([[1, 12]]);
  });

  it('never closes a tail with SEARCH_TAIL_QUIET_SECONDS 0, and still builds completed blocks', async () => {
    const never = indexerQuietFor(0);
    const chatId = await seed.chat(senderId, [await seed.user()]);
    await send(chatId, SEARCH_SEGMENT_SIZE + 5, never);
    await never.idle();
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS * 2));
    await never.idle();
    expect(await blocks(chatId)).toEqual([[1, 64]]);
  });

  it('writes each block once when two builders of a chat race', async () => {
    const chatId = await seed.chat(senderId, [await seed.user()]);
    await seed.sendBatch(
      Array.from({ length: 2 * SEARCH_SEGMENT_SIZE + 10 }, () => ({
        chatId,
        senderId,
        content: 'гонка',
        clientMessageId: null,
      })),
    );
    const search = new MessageSearchRepository(m.db);
    const built = await Promise.all([
      search.buildSegments(chatId, true),
      search.buildSegments(chatId, false),
      search.buildSegments(chatId, true),
    ]);
    expect(built.reduce((sum, count) => sum + count, 0)).toBe(3);
    expect(await blocks(chatId)).toEqual([
      [1, 64],
      [65, 128],
      [129, 138],
    ]);
  });
});
