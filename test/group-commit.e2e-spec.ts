import { MessageSendBatcher } from '../src/messages/send-batcher.service';
import { RECEIPTS_IN_BATCH_MAX } from '../src/messages/send-batch.planner';
import { startApp, TestApp } from './support/app.fixture';
import { createChat, removeMember } from './support/chats.helpers';
import { failInserts } from './support/failing-trigger.fixture';
import { MessageBody, postMessage } from './support/messages.helpers';
import { closeSockets, connectAs, request, waitForEvent } from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

/**
 * Group commit: concurrent sends share transactions, yet every one is answered only after its
 * own commit, seqs stay gapless per chat, and one request's failure is its own.
 */
describe('group commit of sends (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    closeSockets();
    await t.close();
  });

  const users = (count: number, prefix: string) =>
    Promise.all(Array.from({ length: count }, () => registerUser(t, prefix)));

  async function seqsOf(chatId: number): Promise<number[]> {
    const rows: { seq: number }[] = await t.db.query(
      'SELECT seq FROM messages WHERE chat_id = $1 ORDER BY seq',
      [chatId],
    );
    return rows.map((row) => row.seq);
  }

  const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it('sends concurrent messages of many chats with gapless seqs and receipts as cursors say', async () => {
    const members = await users(10, 'gc');
    const big = await createChat(t, members[0], members.slice(1), { title: 'ten' });
    const pairs = await Promise.all([1, 2, 3].map((i) => createChat(t, members[i], [members[i + 3]])));
    const sends: { user: TestUser; chatId: number }[] = [];
    for (let round = 0; round < 6; round++) {
      for (const member of members) sends.push({ user: member, chatId: big.id });
      pairs.forEach((chat, i) => sends.push({ user: members[round % 2 ? i + 1 : i + 4], chatId: chat.id }));
    }
    const responses = await Promise.all(
      sends.map(({ user, chatId }, i) => postMessage(t, user, chatId, { content: `send ${i}` })),
    );

    expect(responses.map((res) => res.status)).toEqual(sends.map(() => 201));
    expect(await seqsOf(big.id)).toEqual(oneTo(60));
    for (const chat of pairs) expect(await seqsOf(chat.id)).toEqual(oneTo(6));
    // Each answer is its row, as committed.
    for (const res of responses) {
      const body = res.body as MessageBody;
      const [row] = await t.db.query('SELECT seq, content FROM messages WHERE id = $1', [body.id]);
      expect(row).toEqual({ seq: body.seq, content: body.content });
    }
    // Every member read the chat up to its own newest message, and has a receipt for exactly
    // the others' messages at or below its cursor.
    const mismatches: unknown[] = await t.db.query(
      `WITH expected AS (
         SELECT m.id AS message_id, cm.user_id FROM chat_members cm
           JOIN messages m ON m.chat_id = cm.chat_id AND m.seq <= cm.last_read_seq AND m.sender_id <> cm.user_id
          WHERE cm.chat_id = $1
       ), actual AS (
         SELECT m.id AS message_id, r.user_id FROM message_read_ranges r
           JOIN messages m ON m.chat_id = r.chat_id AND m.seq BETWEEN r.from_seq AND r.to_seq
                          AND m.sender_id <> r.user_id
          WHERE r.chat_id = $1
       )
       (SELECT * FROM expected EXCEPT SELECT * FROM actual) UNION ALL (SELECT * FROM actual EXCEPT SELECT * FROM expected)`,
      [big.id],
    );
    expect(mismatches).toEqual([]);
    const cursors: { user_id: number; last_read_seq: number; newest: number }[] = await t.db.query(
      `SELECT cm.user_id, cm.last_read_seq, max(m.seq)::int AS newest FROM chat_members cm
         JOIN messages m ON m.chat_id = cm.chat_id AND m.sender_id = cm.user_id
        WHERE cm.chat_id = $1 GROUP BY cm.user_id, cm.last_read_seq`,
      [big.id],
    );
    expect(cursors).toHaveLength(10);
    for (const cursor of cursors) expect(cursor.last_read_seq).toBe(cursor.newest);
  });

  it('commits the sends that arrive while others commit together, in one transaction', async () => {
    const members = await users(4, 'gcmany');
    const chats = await Promise.all([
      createChat(t, members[0], members.slice(1)),
      createChat(t, members[1], [members[2]]),
    ]);
    const batcher = t.app.get(MessageSendBatcher);
    const before = batcher.committed;
    const count = 100;
    const outcomes = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        batcher.send({
          chatId: chats[i % 2].id,
          senderId: members[1 + (i % 2)].id,
          content: `m ${i}`,
          clientMessageId: null,
        }),
      ),
    );
    // All asked at once: each chat's first send goes alone; the rest of that chat wait for it
    // (transactions in flight never share a chat) and then go together.
    expect(batcher.committed.batches - before.batches).toBe(2 * chats.length);
    expect(batcher.committed.messages - before.messages).toBe(count);
    expect(outcomes.every((outcome) => outcome?.created)).toBe(true);
    for (const chat of chats) expect(await seqsOf(chat.id)).toEqual(oneTo(count / 2));
  });

  it('answers a client_message_id repeated within one batch once with 201, then 200 with the original', async () => {
    const [a, b] = await users(2, 'gcdup');
    const chat = await createChat(t, a, [b]);
    const responses = await Promise.all([
      ...Array.from({ length: 6 }, () =>
        postMessage(t, a, chat.id, { content: 'once', client_message_id: 'k-1' }),
      ),
      ...Array.from({ length: 6 }, (_, i) => postMessage(t, b, chat.id, { content: `b ${i}` })),
    ]);
    const repeated = responses.slice(0, 6);
    expect(repeated.map((res) => res.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(repeated.map((res) => (res.body as MessageBody).id)).size).toBe(1);
    expect(responses.slice(6).map((res) => res.status)).toEqual(Array(6).fill(201));
    expect(await seqsOf(chat.id)).toEqual(oneTo(7));
  });

  it('fails a removed member and a deleted chat alone, without a seq for them', async () => {
    const [owner, member, removed] = await users(3, 'gcrm');
    const chat = await createChat(t, owner, [member, removed]);
    const gone = await createChat(t, owner, [member], { title: 'gone' });
    await removeMember(t, chat.id, owner, removed);
    await t.http().delete(`/api/v1/chats/${gone.id}`).set(owner.auth).expect(204);
    const responses = await Promise.all([
      postMessage(t, owner, chat.id, { content: '1' }),
      postMessage(t, removed, chat.id, { content: 'not me' }),
      postMessage(t, member, gone.id, { content: 'nowhere' }),
      postMessage(t, member, chat.id, { content: '2' }),
      postMessage(t, removed, chat.id, { content: 'not me', client_message_id: 'r-1' }),
      postMessage(t, owner, chat.id, { content: '3' }),
    ]);
    expect(responses.map((res) => res.status)).toEqual([201, 403, 404, 201, 403, 201]);
    expect(responses[1].body).toEqual(expect.objectContaining({ code: 'not_a_member' }));
    expect(await seqsOf(chat.id)).toEqual([1, 2, 3]);
  });

  it('fails a request the database refuses alone: the rest of its batch is retried and sent', async () => {
    const [a, b] = await users(2, 'gcbad');
    const chat = await createChat(t, a, [b]);
    const batcher = t.app.get(MessageSendBatcher);
    const request = (content: string) => ({
      chatId: chat.id,
      senderId: a.id,
      content,
      clientMessageId: null,
    });
    // A NUL byte never passes validation; here it stands for any request the database refuses.
    // Twelve at once: the first ones go alone, the rest (the bad one among them) in one batch.
    const contents = Array.from({ length: 12 }, (_, i) => (i === 9 ? 'bad \u0000 byte' : `good ${i}`));
    const before = batcher.committed;
    const outcomes = await Promise.allSettled(contents.map((content) => batcher.send(request(content))));
    expect(batcher.committed.retried - before.retried).toBe(1);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(
      contents.map((content) => (content.startsWith('bad') ? 'rejected' : 'fulfilled')),
    );
    expect(await seqsOf(chat.id)).toEqual(oneTo(11));
    const rows: { content: string }[] = await t.db.query('SELECT content FROM messages WHERE chat_id = $1', [
      chat.id,
    ]);
    expect(rows.map((row) => row.content).sort()).toEqual(
      contents.filter((c) => c.startsWith('good')).sort(),
    );
  });

  /** A chat of `a` and `b` with `a`'s long backlog that `b` has not read. */
  async function backlogChat(): Promise<{ a: TestUser; b: TestUser; chatId: number; backlog: number }> {
    const [a, b] = await users(2, 'gclong');
    const chat = await createChat(t, a, [b]);
    const backlog = RECEIPTS_IN_BATCH_MAX + 100;
    await t.db.query(
      `WITH c AS (UPDATE chats SET last_seq = $3 WHERE id = $1)
       INSERT INTO messages (chat_id, seq, sender_id, sender_name, content)
       SELECT $1, g, $2, 'a', 'backlog ' || g FROM generate_series(1, $3) g`,
      [chat.id, a.id, backlog],
    );
    return { a, b, chatId: chat.id, backlog };
  }

  /** The user's cursor, and how many messages of others at or below it have no receipt. */
  async function readState(userId: number, chatId: number): Promise<{ cursor: number; missing: number }> {
    const [row]: { cursor: number; missing: number }[] = await t.db.query(
      `SELECT cm.last_read_seq AS cursor,
              (SELECT count(*)::int FROM messages o
                WHERE o.chat_id = cm.chat_id AND o.seq <= cm.last_read_seq AND o.sender_id <> cm.user_id
                  AND o.deleted_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM message_read_ranges r WHERE r.chat_id = o.chat_id
                                    AND r.user_id = cm.user_id AND o.seq BETWEEN r.from_seq AND r.to_seq)
              ) AS missing
         FROM chat_members cm WHERE cm.chat_id = $1 AND cm.user_id = $2`,
      [chatId, userId],
    );
    return row;
  }

  it('moves the cursor over a long backlog with all its receipts, after the commit', async () => {
    const { b, chatId, backlog } = await backlogChat();
    await postMessage(t, b, chatId, { content: 'read it all' }).expect(201);
    expect(await readState(b.id, chatId)).toEqual({ cursor: backlog + 1, missing: 0 });
    const [{ count }] = await t.db.query(
      `SELECT count(DISTINCT m.id)::int AS count FROM message_read_ranges r
         JOIN messages m ON m.chat_id = r.chat_id AND m.seq BETWEEN r.from_seq AND r.to_seq
                        AND m.sender_id <> r.user_id AND m.deleted_at IS NULL
        WHERE r.user_id = $1`,
      [b.id],
    );
    expect(count).toBe(backlog);
  });

  it('never moves the cursor past a long backlog whose receipts failed; the next read writes them', async () => {
    const { b, chatId, backlog } = await backlogChat();
    const restore = await failInserts(t.db, 'message_read_ranges', `NEW.user_id = ${b.id}`);
    try {
      // The message is stored; the cursor move over the backlog failed with its receipts.
      await postMessage(t, b, chatId, { content: 'read it all' }).expect(201);
      expect(await readState(b.id, chatId)).toEqual({ cursor: 0, missing: 0 });
    } finally {
      await restore();
    }
    await t.http().patch(`/api/v1/chats/${chatId}/unread`).set(b.auth).send({}).expect(200);
    expect(await readState(b.id, chatId)).toEqual({ cursor: backlog + 1, missing: 0 });
  });

  it('acks a socket send only once its row is committed, and delivers in seq order', async () => {
    const [a, b, reader] = await users(3, 'gcsock');
    const chat = await createChat(t, a, [b, reader]);
    const [sa, sb, sr] = await Promise.all([connectAs(t, a), connectAs(t, b), connectAs(t, reader)]);
    const seen: number[] = [];
    sr.on('message:new', (message) => seen.push(message.seq));
    const last = waitForEvent(sr, 'message:new', 5000, (message) => message.seq === 8);
    const acks = await Promise.all(
      [sa, sb, sa, sb, sa, sb, sa, sb].map((socket, i) =>
        request(socket, 'message:send', { chat_id: chat.id, content: `s ${i}` }).then(async (ack) => {
          // Read on another connection at the moment of the ack: the row must be there.
          const data = ack.ok ? ack.data : undefined;
          const rows: unknown[] = data
            ? await t.db.query('SELECT 1 FROM messages WHERE id = $1', [data.id])
            : [];
          return { ok: ack.ok, committed: rows.length === 1 };
        }),
      ),
    );
    await last;
    expect(acks).toEqual(Array(8).fill({ ok: true, committed: true }));
    expect(seen).toEqual(oneTo(8));
  });
});
