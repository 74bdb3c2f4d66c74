import type { DataSource } from 'typeorm';
import { SendRequest } from '../../src/messages/send-batch.planner';
import { unreadMentionsSql } from '../../src/repositories/message-links.repository';
import { historyQuery, MESSAGE_ROW_COLUMNS } from '../../src/repositories/messages.repository';
import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';
import { buffersOf, explainAnalyze, nodesOf } from '../support/query-plan.helpers';

const text = (chatId: number, senderId: number, extra: Partial<SendRequest> = {}): SendRequest => ({
  chatId,
  senderId,
  content: 'текст',
  clientMessageId: null,
  ...extra,
});

/** send_batch with replies, forwards, locations and mentions (issue 14): checked in the statement. */
describe('send_batch with replies, forwards, locations, mentions (integration)', () => {
  let m: MigratedDatabase;
  let seed: Seed;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_send_links');
    seed = new Seed(m.db);
  });
  afterAll(() => m.drop());

  it('accepts only references the sender may make, one batch deciding each request alone', async () => {
    const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    const chat = await seed.chat(a, [b]);
    const other = await seed.chat(a, [c]);
    const elsewhere = (await seed.send(other, c, 'в другом чате'))!;
    const here = (await seed.send(chat, b, 'здесь'))!;
    const rows = await seed.sendBatch([
      text(chat, a, { replyToId: elsewhere.id }),
      text(chat, a, { replyToId: here.id, mentions: [b] }),
      text(chat, a, { mentions: [c] }),
      text(chat, b, { forwardMessageId: elsewhere.id }),
      text(chat, a, { forwardMessageId: elsewhere.id }),
      text(chat, a, {
        content: '',
        location: { latitude: 1.5, longitude: -2, accuracy_m: null, label: null },
      }),
    ]);
    expect(rows.map((row) => [row.ord, row.seq])).toEqual([
      [2, 2],
      [5, 3],
      [6, 4],
    ]);
    expect(rows[0]).toMatchObject({
      mentions: [b],
      reply_to: { message_id: here.id, seq: 1, content: 'здесь', deleted: false },
      forwarded_from: null,
      location: null,
    });
    expect(rows[1]).toMatchObject({
      content: 'в другом чате',
      reply_to: null,
      forwarded_from: { message_id: elsewhere.id, chat_id: other, sender_id: c },
    });
    expect(rows[2].location).toEqual({ latitude: 1.5, longitude: -2, accuracy_m: null, label: null });
    expect(
      await m.db.query('SELECT user_id, chat_id, seq FROM message_mentions WHERE chat_id = $1', [chat]),
    ).toEqual([{ user_id: b, chat_id: chat, seq: 2 }]);
  });

  it('counts unread mentions by message_mentions’ key alone (index-only), never reading messages', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chat = await seed.chat(a, [b]);
    for (let i = 0; i < 30; i++) await seed.sendBatch([text(chat, a, i % 3 === 0 ? { mentions: [b] } : {})]);
    const sql = `SELECT ${unreadMentionsSql('c', 'v')} AS n
                   FROM chat_members v JOIN chats c ON c.id = v.chat_id WHERE v.chat_id = $1 AND v.user_id = $2`;
    const [row]: { n: number }[] = await m.db.query(sql, [chat, b]);
    expect(row.n).toBe(10);
    // As in a table of millions of rows (here a seq scan of a few would look cheaper on paper).
    const plan = await m.db.transaction(async (manager) => {
      await manager.query('SET LOCAL enable_seqscan = off');
      return explainAnalyze(manager as unknown as DataSource, sql, [chat, b]);
    });
    const scans = [...nodesOf(plan)].filter((node) => /Scan/.test(node['Node Type']));
    const mentions = scans.find((node) => node['Index Name'] === 'message_mentions_pkey');
    expect(mentions?.['Node Type']).toBe('Index Only Scan');
    expect(scans.map((node) => node['Index Name'])).not.toContain('messages_chat_seq_key');
  });

  it('reads a text-only history page at the cost it had before these columns: the same buffers', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chat = await seed.chat(a, [b]);
    for (let i = 0; i < 60; i++) await seed.sendBatch([text(chat, i % 2 === 0 ? a : b)]);
    const { sql, params } = historyQuery(chat, a, { limit: 50 });
    // The columns a message had before issue 14: no reply, forward, location or mentions.
    const before = sql.replace(
      MESSAGE_ROW_COLUMNS,
      `m.id, m.chat_id, m.seq, m.sender_id, m.sender_name, m.content, m.client_message_id, m.created_at,
       m.edited_at, m.attachments`,
    );
    expect(before).not.toBe(sql);
    const buffers = async (statement: string): Promise<number> => {
      await explainAnalyze(m.db, statement, params);
      return buffersOf(await explainAnalyze(m.db, statement, params));
    };
    const [old, now] = [await buffers(before), await buffers(sql)];
    expect(now).toBe(old);
    const scans = [...nodesOf(await explainAnalyze(m.db, sql, params))].filter((node) =>
      /Scan/.test(node['Node Type']),
    );
    // The reply and forward folds are in the plan and never run for text: no loop.
    const folds = scans.filter((node) => node['Index Name'] === 'messages_pkey');
    expect(folds.map((node) => node['Actual Loops'])).toEqual([0, 0]);
  });
});
