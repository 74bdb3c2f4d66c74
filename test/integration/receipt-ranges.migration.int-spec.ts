import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';

/** Migration 1764800000000: per-message receipts become one-seq ranges, and back. */
describe('receipt ranges migration (integration)', () => {
  let m: MigratedDatabase;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_receipt_ranges');
  });
  afterAll(() => m.drop());

  const tableOf = async (name: string) =>
    (await m.db.query('SELECT to_regclass($1) AS t', [name]))[0].t as string | null;

  it('converts message_read rows into ranges on up, and expands the ranges back on down', async () => {
    const seed = new Seed(m.db);
    const [a, b] = [await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    for (let i = 0; i < 4; i++) await seed.send(chatId, a);
    await seed.send(chatId, b); // b's cursor passes 1..4: one range [1, 5]

    // Down to just before this migration, whatever came after it.
    const applied = async (): Promise<string[]> => {
      const rows: { name: string }[] = await m.db.query('SELECT name FROM migrations');
      return rows.map((row) => row.name);
    };
    while ((await applied()).includes('ReceiptRanges1764800000000')) await m.db.undoLastMigration();
    expect(await tableOf('message_read_ranges')).toBeNull();
    const receipts = async () =>
      (
        await m.db.query(
          `SELECT m.seq, r.user_id FROM message_read r JOIN messages m ON m.id = r.message_id
            WHERE m.chat_id = $1 ORDER BY m.seq`,
          [chatId],
        )
      ).map((row: { seq: number; user_id: number }) => [row.seq, row.user_id]);
    expect(await receipts()).toEqual([
      [1, b],
      [2, b],
      [3, b],
      [4, b],
    ]);
    await m.db.query(
      `DELETE FROM message_read WHERE message_id = (SELECT id FROM messages WHERE chat_id = $1 AND seq = 2)`,
      [chatId],
    );

    await m.db.runMigrations();
    expect(await tableOf('message_read')).toBeNull();
    const ranges: unknown[] = await m.db.query(
      `SELECT user_id, from_seq, to_seq FROM message_read_ranges WHERE chat_id = $1 ORDER BY to_seq`,
      [chatId],
    );
    expect(ranges).toEqual([1, 3, 4].map((seq) => ({ user_id: b, from_seq: seq, to_seq: seq })));
  });
});
