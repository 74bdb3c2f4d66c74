import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';

/** The tables a send writes: chats (last_seq), chat_members (the cursor), messages, receipts. */
const SEND_PATH_TABLES = ['chats', 'chat_members', 'messages', 'message_read_ranges'];

/**
 * The rules of the tables every send writes (migration 1766200000000, SendPathDomains): a rule on
 * one column is the column's domain, since PostgreSQL builds every table CHECK afresh for each
 * statement that writes to the table (≈ 12% of a send's backend CPU with the 14 they had); the
 * rules still hold, under the same names.
 */
describe('the send path’s rules (integration)', () => {
  let m: MigratedDatabase;
  let seed: Seed;
  let chatId: number;
  let userId: number;
  let messageId: number;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_send_path_rules');
    seed = new Seed(m.db);
    const [a, b] = [await seed.user(), await seed.user()];
    chatId = await seed.chat(a, [b]);
    userId = a;
    messageId = (await seed.send(chatId, a))!.id;
    // b's send passes a's message: a receipt range (a's own send wrote none).
    await seed.send(chatId, b);
  });
  afterAll(() => m.drop());

  it('has no table CHECK of one column on those tables', async () => {
    const checks: { table: string; name: string; columns: number }[] = await m.db.query(
      `SELECT conrelid::regclass::text AS table, conname AS name, cardinality(conkey) AS columns
         FROM pg_constraint WHERE contype = 'c' AND conrelid::regclass::text = ANY($1) ORDER BY 1, 2`,
      [SEND_PATH_TABLES],
    );
    expect(checks).toEqual([
      { table: 'chat_members', name: 'chat_members_removed_by_manager_check', columns: 2 },
      { table: 'chats', name: 'chats_post_id_check', columns: 2 },
      { table: 'message_read_ranges', name: 'message_read_ranges_seq_check', columns: 2 },
      { table: 'messages', name: 'messages_content_check', columns: 3 },
    ]);
  });

  it.each([
    ['chats', `chat_type = 'party'`, 'chats_chat_type_check'],
    ['chats', `visibility = 'secret'`, 'chats_visibility_check'],
    ['chats', 'last_seq = -1', 'message_seq_or_zero_check'],
    ['chats', `chat_type = 'response'`, 'chats_post_id_check'],
    ['chat_members', `role = 'king'`, 'chat_members_role_check'],
    ['chat_members', `notify_level = 'loud'`, 'chat_members_notify_level_check'],
    ['chat_members', 'last_read_seq = -1', 'message_seq_or_zero_check'],
    ['chat_members', 'removed_by_manager = true', 'chat_members_removed_by_manager_check'],
    ['messages', 'seq = 0', 'message_seq_check'],
    ['messages', `content = repeat('я', 4001)`, 'messages_content_length_check'],
    ['messages', `content = ''`, 'messages_content_check'],
    ['messages', `client_message_id = ''`, 'messages_client_message_id_check'],
    ['messages', 'attachment_count = 11', 'messages_attachment_count_check'],
    ['messages', 'reaction_count = 0', 'messages_reaction_count_check'],
    ['message_read_ranges', 'from_seq = 0', 'message_seq_check'],
    ['message_read_ranges', 'from_seq = to_seq + 1', 'message_read_ranges_seq_check'],
  ])('refuses %s SET %s (%s)', async (table, assignment, rule) => {
    const row = {
      chats: `id = ${chatId}`,
      chat_members: `chat_id = ${chatId} AND user_id = ${userId}`,
      messages: `id = ${messageId}`,
      message_read_ranges: `chat_id = ${chatId}`,
    }[table];
    await expect(m.db.query(`UPDATE ${table} SET ${assignment} WHERE ${row}`)).rejects.toThrow(
      new RegExp(`"${rule}"`),
    );
  });

  it('still takes what the rules allow, at their edges', async () => {
    await m.db.query(`UPDATE messages SET content = repeat('я', 4000), attachment_count = 10 WHERE id = $1`, [
      messageId,
    ]);
    await m.db.query(`UPDATE messages SET client_message_id = repeat('k', 64) WHERE id = $1`, [messageId]);
    await expect(
      m.db.query(`UPDATE messages SET client_message_id = repeat('k', 65) WHERE id = $1`, [messageId]),
    ).rejects.toThrow(/character varying\(64\)/);
    const [row] = await m.db.query<{ seq: unknown; attachment_count: unknown }[]>(
      'SELECT seq, attachment_count FROM messages WHERE id = $1',
      [messageId],
    );
    // Clients see the domains' base types: numbers, not text.
    expect(row).toEqual({ seq: 1, attachment_count: 10 });
  });
});
