import type { QueryRunner } from 'typeorm';
import { SendBatchFunction1764950000000 } from '../../migrations/1764950000000-SendBatchFunction';
import { RECEIPTS_IN_BATCH_MAX, SendRequest } from '../../src/messages/send-batch.planner';
import { AttachmentsRepository, attachmentColumnsSql } from '../../src/repositories/attachments.repository';
import {
  sendBatchQuery,
  sendBatchStatements,
  sendBatchValues,
  SentRow,
} from '../../src/repositories/send-batch.statements';
import { UsersRepository } from '../../src/repositories/users.repository';
import {
  lockWatch,
  migratedDatabase,
  MigratedDatabase,
  pdfAttachment,
  Seed,
} from '../support/integration-database.fixture';

const send = (chatId: number, senderId: number, attachmentIds: number[] | null = null): SendRequest => ({
  chatId,
  senderId,
  content: attachmentIds ? '' : 'текст',
  clientMessageId: null,
  attachmentIds,
});

/** Buffers (shared blocks hit or read) one EXPLAIN ANALYZE'd statement touched, its nested ones included. */
function buffersOf(plan: { Plan: Record<string, number> }[]): number {
  return plan[0].Plan['Shared Hit Blocks'] + plan[0].Plan['Shared Read Blocks'];
}

/**
 * send_batch with attachments: the sixth parameter, the lock on the named uploads, the claim, and
 * a text-only batch that costs what it did before attachments existed.
 */
describe('send_batch with attachments (integration)', () => {
  let m: MigratedDatabase;
  let seed: Seed;
  let uploads: AttachmentsRepository;
  const locks = lockWatch(() => m);
  const { connection, waitingForLock } = locks;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_send_attach');
    seed = new Seed(m.db);
    uploads = new AttachmentsRepository(m.db);
  });
  afterEach(() => locks.releaseAll());
  afterAll(() => m.drop());

  const upload = async (uploaderId: number): Promise<number> =>
    (await uploads.insertWithinQuota(pdfAttachment(uploaderId), 1e9))!.id;

  it('attaches the uploads in order, once, and only the sender’s own live ones', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    const [x, y, z, theirs] = [await upload(a), await upload(a), await upload(a), await upload(b)];
    const rows = await seed.sendBatch([
      send(chatId, a, [y, x]),
      // Names x again: an earlier request of the same sender in the batch has it.
      send(chatId, a, [x]),
      send(chatId, a, [theirs]),
      send(chatId, a),
      send(chatId, a, [z, 2_000_000_000]),
    ]);
    expect(rows.map((row) => [row.ord, row.seq, row.content])).toEqual([
      [1, 1, ''],
      [4, 2, 'текст'],
    ]);
    expect(rows[0].attachments?.map((attachment) => attachment.id)).toEqual([y, x]);
    expect(rows[1].attachments).toBeNull();
    const attached: { id: number; message_id: number; position: number; attached: boolean }[] =
      await m.db.query(
        `SELECT id, message_id, position, attached_at IS NOT NULL AS attached FROM attachments
        WHERE id = ANY($1) ORDER BY id`,
        [[x, y, z, theirs]],
      );
    expect(attached).toEqual([
      { id: x, message_id: rows[0].id, position: 2, attached: true },
      { id: y, message_id: rows[0].id, position: 1, attached: true },
      { id: z, message_id: null, position: null, attached: false },
      { id: theirs, message_id: null, position: null, attached: false },
    ]);
    const [message]: { attachment_count: number }[] = await m.db.query(
      'SELECT attachment_count FROM messages WHERE id = $1',
      [rows[0].id],
    );
    expect(message.attachment_count).toBe(2);
    // Attached once: a later batch cannot take them again.
    expect(await seed.sendBatch([send(chatId, a, [x])])).toEqual([]);
  });

  it('stores on the message the attachments reads show: its uploads, or a forward’s copies with ids of their own', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const [chatId, other] = [await seed.chat(a, [b]), await seed.chat(b, [a])];
    const [x, y] = [await upload(a), await upload(a)];
    const [original] = await seed.sendBatch([send(chatId, a, [y, x])]);
    const [forward] = await seed.sendBatch([{ ...send(other, b), forwardMessageId: original.id }]);
    // What a read of the attachment rows gives, for each message.
    const fromRows = async (messageId: number): Promise<unknown> =>
      (
        await m.db.query<{ shown: unknown }[]>(
          `SELECT json_agg(fa ORDER BY fa.position) AS shown FROM (
             SELECT ${attachmentColumnsSql('a')}, a.position FROM attachments a WHERE a.message_id = $1) fa`,
          [messageId],
        )
      )[0].shown;
    const stored = async (messageId: number): Promise<unknown> =>
      (
        await m.db.query<{ attachments: unknown }[]>('SELECT attachments FROM messages WHERE id = $1', [
          messageId,
        ])
      )[0].attachments;
    for (const row of [original, forward]) {
      expect(await stored(row.id)).toEqual(await fromRows(row.id));
      expect(row.attachments).toEqual(await stored(row.id));
    }
    // The upload time stored as the contract writes it, the instant of the row's own.
    const [{ created_at: uploaded }] = await m.db.query<{ created_at: Date }[]>(
      'SELECT created_at FROM attachments WHERE id = $1',
      [y],
    );
    expect(original.attachments![0].createdAt).toBe(uploaded.toISOString());
    const copies = forward.attachments!.map((attachment) => attachment.id);
    expect(copies).toHaveLength(2);
    expect(copies[0]).toBeLessThan(copies[1]);
    expect(copies).not.toContain(x);
    expect(copies).not.toContain(y);
    const keys = async (ids: number[]): Promise<string[]> =>
      (
        await m.db.query<{ storage_key: string }[]>(
          'SELECT storage_key FROM attachments WHERE id = ANY($1) ORDER BY position',
          [ids],
        )
      ).map((row) => row.storage_key);
    expect(await keys(copies)).toEqual(await keys([y, x]));

    // The migration gives the messages that were sent before it the same column.
    const written = [await stored(original.id), await stored(forward.id)];
    const applied = async (): Promise<string[]> =>
      (await m.db.query<{ name: string }[]>('SELECT name FROM migrations')).map((row) => row.name);
    while ((await applied()).includes('StoredAttachments1766400000000')) await m.db.undoLastMigration();
    await m.db.runMigrations();
    expect([await stored(original.id), await stored(forward.id)]).toEqual(written);
  });

  it('lets one of two batches in different chats take an upload: the other waits on its lock, then sees it taken', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const one = await seed.chat(a, [b]);
    const two = await seed.chat(a, [b]);
    const photo = await upload(a);
    const first = await connection();
    const second = await connection();
    await first.client.query('BEGIN');
    const won = await sendBatchStatements.send(first.client, [send(one, a, [photo])], RECEIPTS_IN_BATCH_MAX);
    const lost = sendBatchStatements.send(second.client, [send(two, a, [photo])], RECEIPTS_IN_BATCH_MAX);
    await waitingForLock(second.pid);
    await first.client.query('COMMIT');
    expect(won.map((row) => row.chat_id)).toEqual([one]);
    expect(await lost).toEqual([]);
  });

  it('does not wait for a profile change of the sender in progress: no cycle with an avatar taking the same upload', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    const photo = await upload(a);
    const profile = m.db.createQueryRunner();
    await profile.connect();
    try {
      // An avatar change of the sender, under way: its user row locked, the upload not yet taken.
      await profile.startTransaction();
      await new UsersRepository(m.db).lockProfile(a, profile.manager);
      const sent = seed.sendBatch([send(chatId, a, [photo])]);
      const timeout = new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), 2000));
      const outcome = await Promise.race([sent, timeout]);
      expect(outcome).not.toBe('waiting');
      expect(
        (outcome as SentRow[]).map((row) => row.attachments?.map((attachment) => attachment.id)),
      ).toEqual([[photo]]);
    } finally {
      await profile.rollbackTransaction().catch(() => undefined);
      await profile.release();
    }
  });

  it('costs a text-only batch what it cost before attachments: no read of attachments, the same buffers but the block probes', async () => {
    // The function as it was before (migration 1764950000000), beside the current one.
    const captured: string[] = [];
    await new SendBatchFunction1764950000000().up({
      query: (sql: string) => captured.push(sql),
    } as unknown as QueryRunner);
    // Its result columns retyped to the domains those columns have since taken (migration
    // 1766200000000): RETURN QUERY wants the columns' own types.
    await m.db.query(
      captured[0]
        .replace('CREATE FUNCTION send_batch(', 'CREATE FUNCTION send_batch_before(')
        .replace(' seq integer,', ' seq message_seq,')
        .replace(' content text,', ' content message_content,')
        .replace(' client_message_id varchar,', ' client_message_id client_message_id,')
        .replace(' previous_read_seq integer', ' previous_read_seq message_seq_or_zero'),
    );
    const [a, b] = [await seed.user(), await seed.user()];
    // A block between two other people: user_blocks' key has a root page, as in any deployment.
    await m.db.query('INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2)', [
      await seed.user(),
      await seed.user(),
    ]);
    const chats: number[] = [];
    for (let i = 0; i < 16; i++) chats.push(await seed.chat(a, [b]));
    const batch = (from: number) => [0, 1, 2, 3].map((i) => send(chats[from + i], i % 2 === 0 ? a : b));
    const [client] = [(await connection()).client];
    const explain = async (fn: string, requests: SendRequest[]): Promise<number> => {
      const values = sendBatchValues(requests, RECEIPTS_IN_BATCH_MAX);
      const args = fn === 'send_batch' ? values : values.slice(0, 5);
      expect(fn === 'send_batch_before' || sendBatchQuery(requests, RECEIPTS_IN_BATCH_MAX).name === fn).toBe(
        true,
      );
      const types = [
        'int[]',
        'int[]',
        'text[]',
        'text[]',
        'int',
        'text[]',
        'int[]',
        'int[]',
        'jsonb[]',
        'text[]',
      ].slice(0, args.length);
      const { rows } = await client.query<{ 'QUERY PLAN': { Plan: Record<string, number> }[] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM ${fn}(${types.map((t, i) => `$${i + 1}::${t}`).join(', ')})`,
        args,
      );
      return buffersOf(rows[0]['QUERY PLAN']);
    };
    // Warm both (each connection plans a PL/pgSQL statement once), then the same batch shape in
    // fresh chats each: the same rows and index pages to touch.
    await explain('send_batch_before', batch(0));
    await explain('send_text_batch', batch(4));
    const before = await explain('send_batch_before', batch(8));
    // Scans of attachments by this backend (its counts not yet flushed to the cumulative view
    // included: hence a difference).
    // (And of message_mentions, and no read of a message a reply or forward would name: issue 14.)
    const scans = async (): Promise<number> => {
      const { rows } = await client.query<{ scans: string }>(
        `SELECT sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)) AS scans FROM pg_stat_xact_user_tables
          WHERE relname IN ('attachments', 'message_mentions')`,
      );
      return Number(rows[0].scans);
    };
    await client.query('BEGIN');
    const scansBefore = await scans();
    // What the batcher runs for text alone: send_text_batch.
    const after = await explain('send_text_batch', batch(12));
    expect((await scans()) - scansBefore).toBe(0);
    await client.query('COMMIT');
    // Heap pages shared by the two functions make single runs vary by a few: within 5%, plus the
    // block rule's probes in a two-person chat (issue 15): user_blocks' key, both ways, one page
    // each, for each of the four messages.
    const blockProbes = 4 * 2;
    expect(after).toBeLessThanOrEqual(Math.ceil(before * 1.05) + blockProbes);
  });
});
