import { Client, type PoolClient } from 'pg';
import type { AppConfig } from '../../src/config/app.config';
import { poolOf } from '../../src/database/pg-pool.driver';
import { DomainEventBus } from '../../src/events/domain-events.bus';
import { MembersAccessService } from '../../src/members/members-access.service';
import { MessageSearchIndexer } from '../../src/messages/search-indexer.service';
import { RECEIPTS_IN_BATCH_MAX } from '../../src/messages/send-batch.planner';
import {
  BACKLOG_FOR_MORE,
  MessageSendBatcher,
  QUIET_BATCHES_IN_FLIGHT,
} from '../../src/messages/send-batcher.service';
import { ReadStateService } from '../../src/messages/read-state.service';
import { MembersRepository } from '../../src/repositories/members.repository';
import { MessageSearchRepository } from '../../src/repositories/message-search.repository';
import { MessagesRepository } from '../../src/repositories/messages.repository';
import {
  NewMessage,
  SEND_BATCH_FUNCTION_BODY,
  SEND_BATCH_SETTINGS,
  SEND_TEXT_BATCH_FUNCTION_BODY,
  sendBatchQuery,
  sendBatchStatements,
  SentRow,
} from '../../src/repositories/send-batch.statements';
import { ReadStateRepository } from '../../src/repositories/read-state.repository';
import {
  lockWatch,
  migratedDatabase,
  MigratedDatabase,
  pollUntil,
  Seed,
} from '../support/integration-database.fixture';

const send = (chatId: number, senderId: number, clientMessageId: string | null = null): NewMessage => ({
  chatId,
  senderId,
  content: 'текст',
  clientMessageId,
});

/**
 * The group commit's batch is one round trip (the send_batch function in autocommit) and keeps
 * what the three round trips guaranteed: chats locked in id order, and a send statement that sees
 * everything committed to its chats before their locks were granted.
 */
describe('send_batch: one round trip per batch (integration)', () => {
  let m: MigratedDatabase;
  let seed: Seed;
  const locks = lockWatch(() => m);
  const { connection, waitingForLock } = locks;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_send_batch');
    seed = new Seed(m.db);
  });
  afterEach(() => locks.releaseAll());
  afterAll(() => m.drop());

  /** Whether chat `chatId`'s row can be locked within 100 ms (from a connection of the pool). */
  const lockable = (chatId: number) =>
    m.db
      .transaction(async (manager) => {
        await manager.query(`SET LOCAL lock_timeout = '100ms'`);
        await manager.query('SELECT 1 FROM chats WHERE id = $1 FOR UPDATE', [chatId]);
      })
      .then(
        () => true,
        (error: Error) => {
          if (/lock timeout/.test(error.message)) return false;
          throw error;
        },
      );

  /** ReadStateService on the suite's database, its events told to `events`. */
  const readStateService = (events = new DomainEventBus()): ReadStateService => {
    const members = new MembersRepository(m.db);
    return new ReadStateService(
      m.db,
      new MembersAccessService(members),
      members,
      new MessagesRepository(m.db),
      new ReadStateRepository(m.db),
      events,
    );
  };

  /** The group commit on the suite's database, as the app builds it. */
  const sendBatcher = (): MessageSendBatcher =>
    new MessageSendBatcher(
      m.db,
      readStateService(),
      { databaseQueryTimeoutMs: 10_000 } as AppConfig,
      new MessageSearchIndexer(new MessageSearchRepository(m.db), { searchTailQuietSeconds: 0 } as AppConfig),
    );

  async function seqsOf(chatId: number): Promise<number[]> {
    const rows = await m.db.query<{ seq: number }[]>(
      'SELECT seq FROM messages WHERE chat_id = $1 ORDER BY seq',
      [chatId],
    );
    return rows.map((row) => row.seq);
  }

  it.each([
    ['send_batch', SEND_BATCH_FUNCTION_BODY],
    ['send_text_batch', SEND_TEXT_BATCH_FUNCTION_BODY],
  ])(
    '%s is the function the migrations installed, with the settings the statement needs',
    async (name, body) => {
      const functions: { prosrc: string; proconfig: string[] }[] = await m.db.query(
        `SELECT prosrc, proconfig FROM pg_proc WHERE proname = $1`,
        [name],
      );
      expect(functions).toHaveLength(1);
      const [fn] = functions;
      // The migration holds a frozen copy: a change to the statement needs a migration replacing it.
      expect(fn.prosrc).toBe(body);
      expect(fn.proconfig.sort()).toEqual(
        Object.entries(SEND_BATCH_SETTINGS)
          .map(([setting, value]) => `${setting}=${value}`)
          .sort(),
      );
    },
  );

  it('sends a batch in one round trip, committed when it answers', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    const batcher = sendBatcher();
    const pool = poolOf(m.db)!;
    const sent: string[] = [];
    const counted = new WeakSet<PoolClient>();
    const count = (client: PoolClient) => {
      if (counted.has(client)) return;
      counted.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: unknown }).query = (...args: unknown[]) => {
        const [config] = args as [string | { text: string }];
        sent.push(typeof config === 'string' ? config : config.text);
        return query(...args);
      };
    };
    pool.on('acquire', count);
    let outcomes;
    try {
      outcomes = await Promise.all([
        batcher.send(send(chatId, a, 'k-1')),
        batcher.send(send(chatId, b)),
        batcher.send(send(chatId, a)),
      ]);
    } finally {
      pool.removeListener('acquire', count);
    }
    // Two transactions (the first goes alone, the other two wait for its chat and go together):
    // one statement each, and nothing else (no BEGIN, no COMMIT).
    expect(batcher.committed).toEqual({ batches: 2, messages: 3, retried: 0 });
    // Text alone: the statement without the attachment, reply, forward, location and mention steps.
    expect(sent).toEqual([expect.stringMatching(/^SELECT \* FROM send_text_batch\(/), sent[0]]);
    expect(outcomes.map((outcome) => outcome?.created)).toEqual([true, true, true]);
    expect(await seqsOf(chatId)).toEqual([1, 2, 3]);
  });

  it('keeps two transactions in flight while few sends wait, and opens more once a backlog builds', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chats: number[] = [];
    for (let i = 0; i < QUIET_BATCHES_IN_FLIGHT + BACKLOG_FOR_MORE + 1; i++)
      chats.push(await seed.chat(a, [b]));
    // Every transaction waits in PostgreSQL for this one's locks until it commits.
    const holder = await connection();
    await holder.client.query('BEGIN');
    await holder.client.query('SELECT 1 FROM chats WHERE id = ANY($1) FOR UPDATE', [chats]);
    // Watched from outside the suite's pool of 4 (the holder and three transactions fill it), in
    // this suite's database only: other suites run sends on the same server.
    const watcher = new Client({ connectionString: m.url });
    await watcher.connect();
    const waitingSends = (count: number): Promise<void> =>
      pollUntil(async () => {
        const { rows } = await watcher.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query LIKE 'SELECT * FROM send_text_batch(%'`,
        );
        return rows[0].n === count;
      }, `never ${count} send transactions waiting`);
    const batcher = sendBatcher();
    let outcomes;
    try {
      const sends = chats.slice(0, QUIET_BATCHES_IN_FLIGHT).map((chatId) => batcher.send(send(chatId, a)));
      await waitingSends(QUIET_BATCHES_IN_FLIGHT);
      // One short of a backlog: queued behind the two, then one more makes it, and a third
      // transaction takes all of them.
      const backlog = chats.slice(QUIET_BATCHES_IN_FLIGHT, QUIET_BATCHES_IN_FLIGHT + BACKLOG_FOR_MORE);
      for (const chatId of backlog) sends.push(batcher.send(send(chatId, a)));
      await waitingSends(QUIET_BATCHES_IN_FLIGHT + 1);
      // The queue is short again: the next send waits for a transaction to end.
      const last = chats[QUIET_BATCHES_IN_FLIGHT + BACKLOG_FOR_MORE];
      sends.push(batcher.send(send(last, a)));
      await holder.client.query('COMMIT');
      outcomes = await Promise.all(sends);
    } finally {
      await watcher.end();
    }
    expect(outcomes.map((outcome) => outcome?.row.seq)).toEqual(chats.map(() => 1));
    expect(batcher.committed).toEqual({
      batches: QUIET_BATCHES_IN_FLIGHT + 2,
      messages: chats.length,
      retried: 0,
    });
  });

  it('locks the chats in id order: holding the lower one while it waits for the higher', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const low = await seed.chat(a, [b]);
    const high = await seed.chat(a, [b]);
    const holder = await connection();
    await holder.client.query('BEGIN');
    await holder.client.query('SELECT 1 FROM chats WHERE id = $1 FOR UPDATE', [high]);
    const sender = await connection();
    // The request for the higher chat comes first: the locks go by id all the same.
    const batch = sendBatchStatements.send(
      sender.client,
      [send(high, a), send(low, b)],
      RECEIPTS_IN_BATCH_MAX,
    );
    await waitingForLock(sender.pid);
    expect(await lockable(low)).toBe(false);
    await holder.client.query('COMMIT');
    expect((await batch).map((row) => [row.chat_id, row.seq])).toEqual([
      [low, 1],
      [high, 1],
    ]);
    // Committed by the call itself: the locks are free again.
    expect(await lockable(low)).toBe(true);
    expect(await lockable(high)).toBe(true);
  });

  it('sees what was committed to its chats before their locks: sends and membership changes', async () => {
    const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b, c]);
    const first = await connection();
    const second = await connection();
    // A batch of another instance, still open, holding the chat; then the same client_message_id.
    await first.client.query('BEGIN');
    const firstRows = await sendBatchStatements.send(
      first.client,
      [send(chatId, a, 'k-1')],
      RECEIPTS_IN_BATCH_MAX,
    );
    const repeated = sendBatchStatements.send(
      second.client,
      [send(chatId, a, 'k-1'), send(chatId, b)],
      RECEIPTS_IN_BATCH_MAX,
    );
    await waitingForLock(second.pid);
    await first.client.query('COMMIT');
    // Its snapshot is taken after the lock: the repeat is skipped (no unique violation), and b's
    // message numbered after the first batch's.
    expect((await repeated).map((row: SentRow) => [row.sender_id, row.seq])).toEqual([[b, 2]]);
    expect(firstRows.map((row) => row.seq)).toEqual([1]);

    // A removal committed while the batch waited for the chat: c's send is refused.
    await first.client.query('BEGIN');
    await first.client.query('SELECT 1 FROM chats WHERE id = $1 FOR UPDATE', [chatId]);
    await first.client.query(
      'UPDATE chat_members SET removed_at = now() WHERE chat_id = $1 AND user_id = $2',
      [chatId, c],
    );
    const removed = sendBatchStatements.send(
      second.client,
      [send(chatId, c), send(chatId, a)],
      RECEIPTS_IN_BATCH_MAX,
    );
    await waitingForLock(second.pid);
    await first.client.query('COMMIT');
    expect((await removed).map((row) => [row.sender_id, row.seq])).toEqual([[a, 3]]);
    expect(await seqsOf(chatId)).toEqual([1, 2, 3]);
  });

  it('runs batches on overlapping chats side by side without deadlock, seqs gapless', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chats = [await seed.chat(a, [b]), await seed.chat(a, [b]), await seed.chat(a, [b])];
    const [x, y] = [await connection(), await connection()];
    const rounds = 30;
    const run = (client: PoolClient, order: number[], sender: number) =>
      (async () => {
        for (let i = 0; i < rounds; i++) {
          await sendBatchStatements.send(
            client,
            order.map((chatId) => send(chatId, sender)),
            RECEIPTS_IN_BATCH_MAX,
          );
        }
      })();
    await Promise.all([run(x.client, chats, a), run(y.client, [...chats].reverse(), b)]);
    const all = Array.from({ length: 2 * rounds }, (_, i) => i + 1);
    for (const chatId of chats) expect(await seqsOf(chatId)).toEqual(all);
  });
  it("writes a send's receipts beside the same member's mark-reads: no send refused, no message unpassed", async () => {
    // The receipts insert has no ON CONFLICT: a send's range ends at the seq it has just taken,
    // which no mark-read can end at. Each round b sends, then a marks the chat read (its own
    // connection, as ReadStateService does it) while a sends on another.
    const [a, b] = [await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    const readState = readStateService();
    const [x, y] = [await connection(), await connection()];
    const rounds = 40;
    for (let i = 0; i < rounds; i++) {
      await sendBatchStatements.send(y.client, [send(chatId, b)], RECEIPTS_IN_BATCH_MAX);
      const [, sent] = await Promise.all([
        readState.markRead(a, chatId),
        sendBatchStatements.send(x.client, [send(chatId, a)], RECEIPTS_IN_BATCH_MAX),
      ]);
      expect(sent).toHaveLength(1);
    }
    expect(await seqsOf(chatId)).toEqual(Array.from({ length: 2 * rounds }, (_, i) => i + 1));
    // Every send of a wrote its range (a's cursor was behind b's message or a mark-read's end),
    // and together a's ranges pass every message.
    const ranges = await m.db.query<{ from_seq: number; to_seq: number }[]>(
      'SELECT from_seq, to_seq FROM message_read_ranges WHERE chat_id = $1 AND user_id = $2',
      [chatId, a],
    );
    const ends = new Set(ranges.map((range) => range.to_seq));
    for (let seq = 2; seq <= 2 * rounds; seq += 2) expect(ends.has(seq)).toBe(true);
    for (let seq = 1; seq <= 2 * rounds; seq++) {
      expect(ranges.some((range) => range.from_seq <= seq && seq <= range.to_seq)).toBe(true);
    }
  });

  it('sends text alone through send_text_batch and anything more through send_batch, rows alike', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    const client = await connection();
    const plain = await sendBatchStatements.send(
      client.client,
      [send(chatId, a, 'k-t')],
      RECEIPTS_IN_BATCH_MAX,
    );
    const [original] = plain;
    // A batch with one reply among text messages goes through send_batch as a whole.
    const mixed = await sendBatchStatements.send(
      client.client,
      [send(chatId, b), { ...send(chatId, a), replyToId: original.id }],
      RECEIPTS_IN_BATCH_MAX,
    );
    const chosen = (extra: Partial<NewMessage>) =>
      sendBatchQuery([send(chatId, b), { ...send(chatId, a), ...extra }], RECEIPTS_IN_BATCH_MAX).name;
    expect(chosen({})).toBe('send_text_batch');
    expect(chosen({ attachmentIds: null, replyToId: null, mentions: null })).toBe('send_text_batch');
    for (const extra of [
      { attachmentIds: [1] },
      { replyToId: 1 },
      { forwardMessageId: 1 },
      { location: { latitude: 1, longitude: 2, accuracy_m: null, label: null } },
      { mentions: [b] },
    ] as Partial<NewMessage>[]) {
      expect(chosen(extra)).toBe('send_batch');
    }
    // The same columns, the text-only statement answering NULL for what it never fills.
    expect(Object.keys(original).sort()).toEqual(Object.keys(mixed[0]).sort());
    expect(original).toMatchObject({
      seq: 1,
      sender_id: a,
      client_message_id: 'k-t',
      previous_read_seq: 0,
      attachments: null,
      reply_to: null,
      forwarded_from: null,
      location: null,
      mentions: null,
      reply_to_id: null,
      forwarded_from_id: null,
    });
    expect(mixed.map((row) => [row.sender_id, row.seq, row.reply_to?.message_id ?? null])).toEqual([
      [b, 2, null],
      [a, 3, original.id],
    ]);
    expect(mixed[1].reply_to).toMatchObject({ message_id: original.id, deleted: false });
    // A retry of the same client_message_id inserts nothing, in either statement.
    expect(
      await sendBatchStatements.send(client.client, [send(chatId, a, 'k-t')], RECEIPTS_IN_BATCH_MAX),
    ).toEqual([]);
    expect(
      await sendBatchStatements.send(
        client.client,
        [{ ...send(chatId, a, 'k-t'), replyToId: original.id }],
        RECEIPTS_IN_BATCH_MAX,
      ),
    ).toEqual([]);
  });

  describe('a lone text message (statements of one row) against the batch statement', () => {
    /** A case: what is done to a chat of a and b (c too, when `group`) before `request` is sent. */
    interface LoneCase {
      group?: boolean;
      receiptsMax?: number;
      prepare(chatId: number, users: { a: number; b: number; c: number }): Promise<void>;
      request(chatId: number, users: { a: number; b: number; c: number }): NewMessage;
    }
    const none = () => Promise.resolve();
    const cases: [string, LoneCase][] = [
      ['the first message of a chat', { prepare: none, request: (chat, { a }) => send(chat, a, 'k-1') }],
      [
        "a message after the other member's two",
        {
          prepare: async (chat, { b }) => void (await seed.sendBatch([send(chat, b), send(chat, b)])),
          request: (chat, { a }) => send(chat, a),
        },
      ],
      [
        'a cursor move longer than the receipts allowed in the batch',
        {
          receiptsMax: 2,
          prepare: async (chat, { b }) => void (await seed.sendBatch([send(chat, b), send(chat, b)])),
          request: (chat, { a }) => send(chat, a),
        },
      ],
      [
        "a reply after reading the other member's two (a move over the sender's own message only)",
        {
          prepare: async (chat, { a, b }) => {
            await seed.sendBatch([send(chat, b), send(chat, b)]);
            await new ReadStateRepository(m.db).writeReceiptsPastCursor(chat, a, 2);
            await seed.members.advanceReadCursor(chat, a, 2);
          },
          request: (chat, { a }) => send(chat, a),
        },
      ],
      [
        'a client_message_id the sender used in the chat',
        {
          prepare: async (chat, { a }) => void (await seed.sendBatch([send(chat, a, 'k-1')])),
          request: (chat, { a }) => send(chat, a, 'k-1'),
        },
      ],
      [
        'a client_message_id another member used',
        {
          prepare: async (chat, { b }) => void (await seed.sendBatch([send(chat, b, 'k-1')])),
          request: (chat, { a }) => send(chat, a, 'k-1'),
        },
      ],
      [
        'a removed member',
        {
          group: true,
          prepare: async (chat, { c }) => {
            await m.db.query(
              'UPDATE chat_members SET removed_at = now() WHERE chat_id = $1 AND user_id = $2',
              [chat, c],
            );
            await seed.members.touch(chat);
          },
          request: (chat, { c }) => send(chat, c),
        },
      ],
      ['someone who never was a member', { prepare: none, request: (chat, { c }) => send(chat, c) }],
      [
        'a deleted chat',
        {
          prepare: async (chat) =>
            void (await m.db.query('UPDATE chats SET deleted_at = now() WHERE id = $1', [chat])),
          request: (chat, { a }) => send(chat, a),
        },
      ],
      [
        'a two-person chat whose other member blocked the sender',
        {
          prepare: async (_chat, { a, b }) =>
            void (await m.db.query('INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2)', [
              b,
              a,
            ])),
          request: (chat, { a }) => send(chat, a),
        },
      ],
      [
        'a group of three with a block between two members',
        {
          group: true,
          prepare: async (_chat, { a, b }) =>
            void (await m.db.query('INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2)', [
              b,
              a,
            ])),
          request: (chat, { a }) => send(chat, a),
        },
      ],
    ];

    /** Everything a send writes to its chat, and its answer, without ids and times. */
    async function outcome(chatId: number, rows: SentRow[], users: Record<string, number>) {
      const name = (id: number) => Object.keys(users).find((key) => users[key] === id) ?? id;
      const [messages, chat, members, receipts] = await Promise.all([
        m.db.query<
          {
            seq: number;
            sender_id: number;
            sender_name: string;
            content: string;
            client_message_id: string;
          }[]
        >(
          'SELECT seq, sender_id, sender_name, content, client_message_id FROM messages WHERE chat_id = $1 ORDER BY seq',
          [chatId],
        ),
        m.db.query<{ last_seq: number }[]>('SELECT last_seq FROM chats WHERE id = $1', [chatId]),
        m.db.query<{ user_id: number; last_read_seq: number; read: boolean }[]>(
          `SELECT user_id, last_read_seq, last_read_at IS NOT NULL AS read
             FROM chat_members WHERE chat_id = $1 ORDER BY user_id`,
          [chatId],
        ),
        m.db.query<{ user_id: number; from_seq: number; to_seq: number }[]>(
          'SELECT user_id, from_seq, to_seq FROM message_read_ranges WHERE chat_id = $1 ORDER BY user_id, to_seq',
          [chatId],
        ),
      ]);
      return {
        answered: rows.map(({ id, chat_id, created_at, sender_id, sender_name, ...row }) => {
          expect([typeof id, chat_id, created_at instanceof Date]).toEqual(['number', chatId, true]);
          return { ...row, sender: name(sender_id), senderNamed: sender_name.length > 0 };
        }),
        messages: messages.map(({ sender_id, sender_name, ...row }) => ({
          ...row,
          sender: name(sender_id),
          senderNamed: sender_name.length > 0,
        })),
        lastSeq: chat[0].last_seq,
        members: members.map(({ user_id, ...row }) => ({ ...row, user: name(user_id) })),
        receipts: receipts.map(({ user_id, ...row }) => ({ ...row, user: name(user_id) })),
      };
    }

    it.each(cases)('%s: the same rows, writes and refusal either way', async (_name, lone) => {
      const run = async (alone: boolean) => {
        const users = { a: await seed.user(), b: await seed.user(), c: await seed.user() };
        const chatId = await seed.chat(users.a, lone.group ? [users.b, users.c] : [users.b]);
        // The second message of the batch goes to a group of its own, which nothing here touches.
        const other = await seed.chat(await seed.user(), [users.a]);
        await lone.prepare(chatId, users);
        const request = lone.request(chatId, users);
        const batch = alone ? [request] : [request, send(other, users.a)];
        const client = await connection();
        const rows = await sendBatchStatements.send(
          client.client,
          batch,
          lone.receiptsMax ?? RECEIPTS_IN_BATCH_MAX,
        );
        expect(sendBatchQuery(batch, RECEIPTS_IN_BATCH_MAX).name).toBe('send_text_batch');
        if (!alone) expect(rows.filter((row) => row.chat_id === other)).toHaveLength(1);
        return outcome(
          chatId,
          rows.filter((row) => row.chat_id === chatId),
          users,
        );
      };
      const [viaLonePath, viaBatch] = [await run(true), await run(false)];
      expect(viaLonePath).toEqual(viaBatch);
    });

    it('answers the lone message in the columns and order the batch statement does', async () => {
      const [a, b] = [await seed.user(), await seed.user()];
      const chatId = await seed.chat(a, [b]);
      const client = await connection();
      const [lone] = await sendBatchStatements.send(client.client, [send(chatId, a)], RECEIPTS_IN_BATCH_MAX);
      const [batched] = await sendBatchStatements.send(
        client.client,
        [send(chatId, b), send(chatId, b)],
        RECEIPTS_IN_BATCH_MAX,
      );
      expect(Object.keys(lone)).toEqual(Object.keys(batched));
      expect(lone).toMatchObject({ seq: 1, ord: 1, previous_read_seq: 0, sender_id: a, content: 'текст' });
    });
  });

  it('refuses a send in a two-person chat when either member blocks the other, in both statements', async () => {
    const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    const pair = await seed.chat(a, [b]);
    const group = await seed.chat(a, [b, c]);
    const [first] = await seed.sendBatch([send(pair, a)]);
    await m.db.query('INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2)', [b, a]);
    const client = await connection();
    const attempt = (requests: NewMessage[]) =>
      sendBatchStatements
        .send(client.client, requests, RECEIPTS_IN_BATCH_MAX)
        .then((rows) => rows.map((row) => [row.chat_id, row.sender_id]));
    // Neither the blocked nor the blocker may send in the chat they share, text or reply alike;
    // the group of three is unaffected, in the same batch.
    expect(await attempt([send(pair, a), send(pair, b), send(group, a), send(group, b)])).toEqual([
      [group, a],
      [group, b],
    ]);
    expect(
      await attempt([
        { ...send(pair, b), replyToId: first.id },
        { ...send(group, b), replyToId: null },
      ]),
    ).toEqual([[group, b]]);
    // c leaves the group: now a two-person chat of a and b, and the block applies there too.
    await m.db.query('UPDATE chat_members SET removed_at = now() WHERE chat_id = $1 AND user_id = $2', [
      group,
      c,
    ]);
    await seed.members.touch(group);
    expect(await attempt([send(group, a)])).toEqual([]);
    // Unblocked: both send again.
    await m.db.query('DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2', [b, a]);
    expect(await attempt([send(pair, a), send(pair, b), send(group, a)])).toEqual([
      [pair, a],
      [pair, b],
      [group, a],
    ]);
    expect(await seqsOf(pair)).toEqual([1, 2, 3]);
  });
});
