import { ChatsRepository } from '../../src/repositories/chats.repository';
import { MessagesRepository } from '../../src/repositories/messages.repository';
import { ReadStateRepository } from '../../src/repositories/read-state.repository';
import { SEND_BATCH_CALL_SQL } from '../../src/repositories/send-batch.statements';
import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';

const send = (
  chatId: number,
  senderId: number,
  content = 'текст',
  clientMessageId: string | null = null,
) => ({
  chatId,
  senderId,
  content,
  clientMessageId,
});

describe('MessagesRepository and the send batch (integration)', () => {
  let m: MigratedDatabase;
  let seed: Seed;
  let messages: MessagesRepository;
  let chats: ChatsRepository;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_messages');
    seed = new Seed(m.db);
    messages = new MessagesRepository(m.db);
    chats = new ChatsRepository(m.db);
  });
  afterAll(() => m.drop());

  async function chatState(chatId: number): Promise<{ last_seq: number }> {
    const [row]: { last_seq: number }[] = await m.db.query('SELECT last_seq FROM chats WHERE id = $1', [
      chatId,
    ]);
    return row;
  }

  async function cursor(chatId: number, userId: number): Promise<number> {
    const [row]: { last_read_seq: number }[] = await m.db.query(
      'SELECT last_read_seq FROM chat_members WHERE chat_id = $1 AND user_id = $2',
      [chatId, userId],
    );
    return row.last_read_seq;
  }

  async function receipts(chatId: number): Promise<[number, number][]> {
    const rows: { seq: number; user_id: number }[] = await m.db.query(
      `SELECT DISTINCT m.seq, r.user_id FROM message_read_ranges r
         JOIN messages m ON m.chat_id = r.chat_id AND m.seq BETWEEN r.from_seq AND r.to_seq
                        AND m.sender_id <> r.user_id AND m.deleted_at IS NULL
        WHERE r.chat_id = $1 ORDER BY m.seq, r.user_id`,
      [chatId],
    );
    return rows.map((row) => [row.seq, row.user_id]);
  }

  describe('send_batch (SEND_BATCH_SQL)', () => {
    it('numbers each chat gaplessly in arrival order and moves last_seq', async () => {
      const [a, b] = [await seed.user(), await seed.user()];
      const one = await seed.chat(a, [b]);
      const two = await seed.chat(b, [a]);
      const rows = await seed.sendBatch([
        send(one, a, '1'),
        send(two, b, '2'),
        send(one, b, '3'),
        send(one, a, '4'),
      ]);
      expect(rows.map((row) => [row.chat_id, row.seq, row.content, row.ord])).toEqual([
        [one, 1, '1', 1],
        [one, 2, '3', 3],
        [one, 3, '4', 4],
        [two, 1, '2', 2],
      ]);
      expect(rows[0].sender_name).toBe(
        (await m.db.query('SELECT display_name FROM users WHERE id = $1', [a]))[0].display_name,
      );
      expect(await chatState(one)).toEqual({ last_seq: 3 });
      expect(await chatState(two)).toEqual({ last_seq: 1 });
    });

    it('inserts nothing, and takes no seq, for a removed member or a deleted chat', async () => {
      const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
      const live = await seed.chat(a, [b, c]);
      const deleted = await seed.chat(a, [b]);
      await seed.members.remove(live, c, false);
      await chats.softDelete(deleted);

      const rows = await seed.sendBatch([send(live, c), send(deleted, a), send(live, a)]);
      expect(rows.map((row) => [row.chat_id, row.seq, row.sender_id, row.ord])).toEqual([[live, 1, a, 3]]);
      expect(await chatState(deleted)).toEqual({ last_seq: 0 });
    });

    it('skips a client_message_id the sender already used in the chat', async () => {
      const [a, b] = [await seed.user(), await seed.user()];
      const chatId = await seed.chat(a, [b]);
      await seed.send(chatId, a, 'первое', 'k-1');
      const rows = await seed.sendBatch([
        send(chatId, a, 'повтор', 'k-1'),
        send(chatId, b, 'чужой ключ', 'k-1'),
      ]);
      expect(rows.map((row) => [row.seq, row.sender_id, row.client_message_id])).toEqual([[2, b, 'k-1']]);
    });

    it("moves each sender's cursor to their newest message and writes the receipts it passed", async () => {
      const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
      const chatId = await seed.chat(a, [b, c]);
      await seed.sendBatch([send(chatId, a), send(chatId, a)]);
      const deleted = (await seed.send(chatId, a))!;
      await messages.softDelete(chatId, deleted.id);

      const rows = await seed.sendBatch([send(chatId, b), send(chatId, c), send(chatId, b)]);
      expect(rows.map((row) => [row.sender_id, row.previous_read_seq])).toEqual([
        [b, 0],
        [c, 0],
        [b, 0],
      ]);
      expect(await cursor(chatId, a)).toBe(3);
      expect(await cursor(chatId, b)).toBe(6);
      expect(await cursor(chatId, c)).toBe(5);
      // b passed 1, 2 (a's, live) and 5 (c's, this batch); c passed 1, 2 and 4 (b's, this batch).
      expect(await receipts(chatId)).toEqual([
        [1, b],
        [1, c],
        [2, b],
        [2, c],
        [4, c],
        [5, b],
      ]);
    });

    it("writes one receipt range per (chat, sender) cursor move that passes someone else's message", async () => {
      const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
      const chatId = await seed.chat(a, [b, c]);
      await seed.sendBatch([send(chatId, a), send(chatId, a), send(chatId, a)]);
      await seed.sendBatch([send(chatId, b), send(chatId, c), send(chatId, b), send(chatId, a)]);
      const rows: unknown[] = await m.db.query(
        `SELECT user_id, from_seq, to_seq FROM message_read_ranges WHERE chat_id = $1
          ORDER BY to_seq, user_id`,
        [chatId],
      );
      // a's first move passed a's own three messages only: no range (no one reads their own).
      expect(rows).toEqual([
        { user_id: c, from_seq: 1, to_seq: 5 },
        { user_id: b, from_seq: 1, to_seq: 6 },
        { user_id: a, from_seq: 4, to_seq: 7 },
      ]);
    });

    it("writes no range for a move over the sender's own messages, whoever sends after them in the batch", async () => {
      const [a, b] = [await seed.user(), await seed.user()];
      const chatId = await seed.chat(a, [b]);
      await seed.sendBatch([send(chatId, b)]);
      // a marks the chat read (ReadStateService.readUpTo's two steps): a range for b's message.
      await new ReadStateRepository(m.db).writeReceiptsPastCursor(chatId, a, 1);
      await seed.members.advanceReadCursor(chatId, a, 1);
      // a had read up to last_seq: its move passes its own message only; b's passes a's.
      await seed.sendBatch([send(chatId, a), send(chatId, b)]);
      const rows: unknown[] = await m.db.query(
        `SELECT user_id, from_seq, to_seq FROM message_read_ranges WHERE chat_id = $1 ORDER BY to_seq, user_id`,
        [chatId],
      );
      expect(rows).toEqual([
        { user_id: a, from_seq: 1, to_seq: 1 },
        { user_id: b, from_seq: 2, to_seq: 3 },
      ]);
      expect(await cursor(chatId, a)).toBe(2);
      expect(await cursor(chatId, b)).toBe(3);
    });

    it('leaves a cursor move longer than $5 (and its receipts) out of the statement', async () => {
      const [a, b] = [await seed.user(), await seed.user()];
      const chatId = await seed.chat(a, [b]);
      await seed.sendBatch([send(chatId, a), send(chatId, a), send(chatId, a)]);
      const rows = await seed.sendBatch([send(chatId, b)], 2);
      expect(rows).toMatchObject([{ seq: 4, previous_read_seq: 0 }]);
      expect(await cursor(chatId, b)).toBe(0);
      expect(await receipts(chatId)).toEqual([]);
    });

    it('locks the live chats of the batch, and only those, until it commits', async () => {
      const [a, b] = [await seed.user(), await seed.user()];
      const one = await seed.chat(a, [b]);
      const two = await seed.chat(b, [a]);
      await chats.softDelete(one);
      const tryLock = (chatId: number) =>
        m.db.transaction(async (manager) => {
          await manager.query(`SET LOCAL lock_timeout = '100ms'`);
          await manager.query('SELECT 1 FROM chats WHERE id = $1 FOR UPDATE', [chatId]);
        });
      const runner = m.db.createQueryRunner();
      await runner.connect();
      try {
        // Inside a transaction of its own the function's locks stay until that one ends.
        await runner.query('BEGIN');
        await runner.query(SEND_BATCH_CALL_SQL, [
          [two, one],
          [a, a],
          ['x', 'y'],
          [null, null],
          500,
          null,
          null,
          null,
          null,
          null,
        ]);
        await expect(tryLock(two)).rejects.toThrow(/lock timeout/);
        await expect(tryLock(one)).resolves.toBeUndefined();
        await runner.query('ROLLBACK');
      } finally {
        await runner.release();
      }
    });
  });

  describe('edits, deletes and reads', () => {
    it('finds, edits and soft-deletes live messages of the chat only', async () => {
      const [a, b] = [await seed.user(), await seed.user()];
      const chatId = await seed.chat(a, [b]);
      const other = await seed.chat(b, [a]);
      const message = (await seed.send(chatId, a, 'было'))!;

      expect(await messages.findLive(chatId, message.id)).toEqual({ id: message.id, seq: 1, sender_id: a });
      expect(await messages.findLive(other, message.id)).toBeUndefined();
      expect(await messages.edit(other, message.id, 'чужое')).toBeUndefined();

      const edited = (await messages.edit(chatId, message.id, 'стало'))!;
      expect(edited).toMatchObject({ id: message.id, content: 'стало', edited_at: expect.any(Date) });

      expect(await messages.softDelete(other, message.id)).toBeUndefined();
      expect(await messages.softDelete(chatId, message.id)).toBe(1);
      expect(await messages.softDelete(chatId, message.id)).toBeUndefined();
      expect(await messages.findLive(chatId, message.id)).toBeUndefined();
      expect(await messages.edit(chatId, message.id, 'после')).toBeUndefined();
    });

    it('answers the original of a client_message_id, edited or deleted', async () => {
      const [a, b] = [await seed.user(), await seed.user()];
      const chatId = await seed.chat(a, [b]);
      const message = (await seed.send(chatId, a, 'было', 'k-9'))!;
      await messages.softDelete(chatId, message.id);
      expect(await messages.original(chatId, a, 'k-9')).toMatchObject({ id: message.id, content: 'было' });
      expect(await messages.original(chatId, b, 'k-9')).toBeUndefined();
    });

    it('pages the live history of an active member of a live chat, and nothing for anyone else', async () => {
      const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
      const chatId = await seed.chat(a, [b, c]);
      for (const word of ['рыжий кот', 'серый кот', 'рыжая кошка', '100% кот'])
        await seed.send(chatId, a, word);
      const second = (await messages.history(chatId, a, { limit: 10, sort: 'asc' }))[1];
      await messages.softDelete(chatId, second.id);

      const seqs = async (viewer: number, filter: Parameters<MessagesRepository['history']>[2]) =>
        (await messages.history(chatId, viewer, filter)).map((row) => row.seq);
      expect(await seqs(b, { limit: 10 })).toEqual([4, 3, 1]);
      expect(await seqs(b, { limit: 1 })).toEqual([4, 3]);
      expect(await seqs(b, { limit: 10, sort: 'asc', after: 1 })).toEqual([3, 4]);
      expect(await seqs(b, { limit: 10, before: 4 })).toEqual([3, 1]);
      expect(await seqs(b, { limit: 10, query: 'РЫЖ' })).toEqual([3, 1]);
      expect(await seqs(b, { limit: 10, query: 'кот рыж' })).toEqual([1]);
      expect(await seqs(b, { limit: 10, query: '%' })).toEqual([4]);

      await seed.members.remove(chatId, c, false);
      expect(await seqs(c, { limit: 10 })).toEqual([]);
      await chats.softDelete(chatId);
      expect(await seqs(a, { limit: 10 })).toEqual([]);
    });
  });
});
