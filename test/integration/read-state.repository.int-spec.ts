import { ChatsRepository } from '../../src/repositories/chats.repository';
import { MessagesRepository } from '../../src/repositories/messages.repository';
import { ReadStateRepository } from '../../src/repositories/read-state.repository';
import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';

describe('ReadStateRepository (integration)', () => {
  let m: MigratedDatabase;
  let seed: Seed;
  let readState: ReadStateRepository;
  let messages: MessagesRepository;
  let chats: ChatsRepository;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_read_state');
    seed = new Seed(m.db);
    readState = new ReadStateRepository(m.db);
    messages = new MessagesRepository(m.db);
    chats = new ChatsRepository(m.db);
  });
  afterAll(() => m.drop());

  async function receiptSeqs(chatId: number, userId: number): Promise<number[]> {
    const rows: { seq: number }[] = await m.db.query(
      `SELECT DISTINCT m.seq FROM message_read_ranges r
         JOIN messages m ON m.chat_id = r.chat_id AND m.seq BETWEEN r.from_seq AND r.to_seq
                        AND m.sender_id <> r.user_id AND m.deleted_at IS NULL
        WHERE r.chat_id = $1 AND r.user_id = $2 ORDER BY m.seq`,
      [chatId, userId],
    );
    return rows.map((row) => row.seq);
  }

  /** A chat of a, b and c with five messages: 1, 2 and 4 by a, 3 by b, 5 by a and deleted. */
  async function chatWithHistory(): Promise<{ chatId: number; a: number; b: number; c: number }> {
    const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b, c]);
    await seed.send(chatId, a);
    await seed.send(chatId, a);
    await seed.send(chatId, b);
    await seed.send(chatId, a);
    const fifth = (await seed.send(chatId, a))!;
    await messages.softDelete(chatId, fifth.id);
    return { chatId, a, b, c };
  }

  it("writes receipts for others' live messages past the cursor, up to the seq given", async () => {
    const { chatId, b } = await chatWithHistory();
    // b's cursor is at 3 (their own message): 4 is past it, 5 is deleted.
    await readState.writeReceiptsPastCursor(chatId, b, 4);
    expect(await receiptSeqs(chatId, b)).toEqual([1, 2, 4]);
    await readState.writeReceiptsPastCursor(chatId, b, null);
    expect(await receiptSeqs(chatId, b)).toEqual([1, 2, 4]);
  });

  it('writes up to the last seq at most, once per message, none of the reader’s own', async () => {
    const { chatId, c } = await chatWithHistory();
    await readState.writeReceiptsPastCursor(chatId, c, 2);
    await readState.writeReceiptsPastCursor(chatId, c, 99);
    expect(await receiptSeqs(chatId, c)).toEqual([1, 2, 3, 4]);
  });

  it('writes nothing for a removed member or in a deleted chat', async () => {
    const { chatId, b, c } = await chatWithHistory();
    await seed.members.remove(chatId, c, false);
    await readState.writeReceiptsPastCursor(chatId, c, null);
    expect(await receiptSeqs(chatId, c)).toEqual([]);
    await chats.softDelete(chatId);
    await readState.writeReceiptsPastCursor(chatId, b, null);
    expect(await receiptSeqs(chatId, b)).toEqual([1, 2]);
  });

  it('lists the receipts of active members only', async () => {
    const { chatId, b, c } = await chatWithHistory();
    await readState.writeReceiptsPastCursor(chatId, b, null);
    await readState.writeReceiptsPastCursor(chatId, c, null);
    const [first] = await messages.history(chatId, b, { limit: 10, sort: 'asc' });
    expect((await readState.receipts(chatId, first.id)).map((row) => row.user_id).sort()).toEqual(
      [b, c].sort(),
    );
    await seed.members.remove(chatId, c, false);
    expect((await readState.receipts(chatId, first.id)).map((row) => row.user_id)).toEqual([b]);
  });

  /** The readers of a message, as the reads endpoint lists them. */
  const readers = async (chatId: number, messageId: number) =>
    (await readState.receipts(chatId, messageId)).map((row) => row.user_id);

  it('writes one range per cursor move, from the locked cursor to where it moves, and returns its end', async () => {
    const { chatId, b, c } = await chatWithHistory();
    expect(await readState.writeReceiptsPastCursor(chatId, c, 2)).toBe(2);
    await seed.members.moveReadCursor(chatId, c, 2);
    expect(await readState.writeReceiptsPastCursor(chatId, c, 1)).toBeUndefined();
    expect(await readState.writeReceiptsPastCursor(chatId, c, null)).toBe(5);
    await seed.members.moveReadCursor(chatId, c, 5);
    expect(await readState.writeReceiptsPastCursor(chatId, c, null)).toBeUndefined();
    const rows: unknown[] = await m.db.query(
      `SELECT user_id, from_seq, to_seq FROM message_read_ranges WHERE chat_id = $1 AND user_id IN ($2, $3)
        ORDER BY user_id, to_seq`,
      [chatId, b, c],
    );
    // b's one range is the send of message 3 (the batch's move); c's are its two moves.
    expect(rows).toEqual([
      { user_id: b, from_seq: 1, to_seq: 3 },
      { user_id: c, from_seq: 1, to_seq: 2 },
      { user_id: c, from_seq: 3, to_seq: 5 },
    ]);
  });

  it('lists the readers a range covers, never the sender, with the read time of the move that passed it', async () => {
    const { chatId, a, b, c } = await chatWithHistory();
    const ids: { id: number; seq: number }[] = await m.db.query(
      'SELECT id, seq FROM messages WHERE chat_id = $1 ORDER BY seq',
      [chatId],
    );
    const id = (seq: number) => ids.find((row) => row.seq === seq)!.id;
    await m.db.query(
      `INSERT INTO message_read_ranges (chat_id, user_id, from_seq, to_seq, read_at)
       VALUES ($1, $2, 1, 2, '2026-01-01T00:00:00Z'), ($1, $2, 3, 4, '2026-01-02T00:00:00Z')`,
      [chatId, c],
    );
    expect((await readers(chatId, id(1))).sort()).toEqual([b, c].sort());
    expect((await readers(chatId, id(3))).sort()).toEqual([a, c].sort()); // b sent it; a's send of 4 passed it
    expect(await readers(chatId, id(4))).toEqual([c]); // b's cursor (3) is before it
    const [receipt] = (await readState.receipts(chatId, id(4))).filter((row) => row.user_id === c);
    expect(receipt.read_at.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    // A gap between a member's ranges (as one-seq ranges carried over from per-message receipts
    // leave) is not read: the first range ending at or after the seq does not cover it.
    await m.db.query(`DELETE FROM message_read_ranges WHERE chat_id = $1 AND user_id = $2 AND to_seq = 4`, [
      chatId,
      c,
    ]);
    await m.db.query(
      `INSERT INTO message_read_ranges (chat_id, user_id, from_seq, to_seq) VALUES ($1, $2, 4, 4)`,
      [chatId, c],
    );
    expect(await readers(chatId, id(3))).toEqual([a]);
    expect(await readers(chatId, id(4))).toEqual([c]);
  });

  it('counts unread messages past the cursor, less the deleted ones, for active members of live chats', async () => {
    const { chatId, a, b, c } = await chatWithHistory();
    expect(await readState.unread(chatId, a)).toEqual({
      last_read_seq: 5,
      unread_count: 0,
      unread_mentions_count: 0,
    });
    expect(await readState.unread(chatId, b)).toEqual({
      last_read_seq: 3,
      unread_count: 1,
      unread_mentions_count: 0,
    });
    expect(await readState.unread(chatId, c)).toEqual({
      last_read_seq: 0,
      unread_count: 4,
      unread_mentions_count: 0,
    });

    await seed.members.remove(chatId, c, false);
    expect(await readState.unread(chatId, c)).toBeUndefined();
    await chats.softDelete(chatId);
    expect(await readState.unread(chatId, a)).toBeUndefined();
  });
});
