import type { PoolClient } from 'pg';
import { poolOf } from '../../src/database/pg-pool.driver';
import { AttachmentsRepository } from '../../src/repositories/attachments.repository';
import { NewMessage, sendBatchQuery } from '../../src/repositories/send-batch.statements';
import { RECEIPTS_IN_BATCH_MAX } from '../../src/messages/send-batch.planner';
import {
  migratedDatabase,
  MigratedDatabase,
  pdfAttachment,
  Seed,
} from '../support/integration-database.fixture';
import { buffersOf, nodesOf, type PlanNode } from '../support/query-plan.helpers';

/**
 * The send functions keep each statement's generic plan for the life of the connection
 * (plan_cache_mode = force_generic_plan), planned with the statistics of the moment: on a new
 * deployment, tables of a few rows. An EXISTS under OR, NOT or CASE may then be planned as a
 * hashed subplan, which reads the whole table into a hash on every call: cheap on paper while the
 * table is small, and kept while it grows (the bench found one send reading 3,090 rows of
 * messages' client_message_id index to check one id). Every test of the send statements is a
 * probe by key that stays one as the tables outgrow the statistics the plan was made with.
 */
describe('send functions: their cached plans probe by key as the tables outgrow their statistics (integration)', () => {
  let m: MigratedDatabase;
  let seed: Seed;
  let client: PoolClient;
  /** The plans of each batch's statements, as they ran (auto_explain), by the batch's name. */
  const plans = new Map<string, { query: string; plan: PlanNode }[]>();
  let explained: { query: string; plan: PlanNode }[] = [];
  let a: number, b: number, c: number;
  let pair: number, crowd: number, replyTo: number;
  const GROWN = ['messages', 'user_blocks', 'attachments', 'chat_members', 'users'];

  const batch = (messages: NewMessage[]) => {
    const { text, values } = sendBatchQuery(messages, RECEIPTS_IN_BATCH_MAX);
    return client.query(text, values).then((result) => result.rows as { id: number }[]);
  };
  const upload = async (uploaderId: number) =>
    (await new AttachmentsRepository(m.db).insertWithinQuota(pdfAttachment(uploaderId), 1e12))!.id;
  /**
   * One batch of each shape, so each function plans every test it makes: a lone text message
   * (send_text_batch's statements of one row), two (its batch statement), and a message with
   * everything (send_batch).
   */
  const requests = async (n: string): Promise<[string, NewMessage[]][]> => [
    [
      'send_text_batch, a lone message',
      [{ chatId: pair, senderId: a, content: `в паре ${n}`, clientMessageId: `pair-${n}` }],
    ],
    [
      'send_text_batch, a batch',
      [
        { chatId: pair, senderId: a, content: `первое ${n}`, clientMessageId: `first-${n}` },
        { chatId: crowd, senderId: c, content: `второе ${n}`, clientMessageId: `second-${n}` },
      ],
    ],
    [
      'send_batch',
      [
        {
          chatId: pair,
          senderId: a,
          content: `с вложением ${n}`,
          clientMessageId: `full-${n}`,
          attachmentIds: [await upload(a)],
          replyToId: replyTo,
          mentions: [b],
        },
      ],
    ],
  ];

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_send_plans');
    seed = new Seed(m.db);
    [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    pair = await seed.chat(a, [b]);
    crowd = await seed.chat(c, []);
    replyTo = (await seed.send(pair, b, 'ответ на это'))!.id;
    // Nothing re-plans the connection's statements meanwhile: no autovacuum, no ANALYZE after this.
    for (const table of GROWN) await m.db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = off)`);
    await m.db.query('ANALYZE');

    client = await poolOf(m.db)!.connect();
    for (const [, request] of await requests('before'))
      expect(await batch(request)).toHaveLength(request.length);

    // The tables grow far past the statistics the plans were made with.
    await m.db.query(`INSERT INTO users (username, display_name, password_hash)
                      SELECT 'grown_' || g, 'G', 'x' FROM generate_series(1, 4000) g`);
    await m.db.query(`INSERT INTO user_blocks (blocker_id, blocked_id)
                      SELECT u.id, v.id FROM users u JOIN users v ON v.id = u.id + 1
                       WHERE u.username LIKE 'grown_%' AND v.username LIKE 'grown_%'`);
    await m.db.query(
      `INSERT INTO chat_members (chat_id, user_id, role)
       SELECT $1, id, 'member' FROM users WHERE username LIKE 'grown_%'`,
      [crowd],
    );
    await m.db.query(
      `INSERT INTO messages (chat_id, seq, sender_id, sender_name, content, client_message_id)
       SELECT $1, last_seq + g, $2, 'C', 'старое ' || g, 'old-' || g
         FROM chats, generate_series(1, 20000) g WHERE chats.id = $1`,
      [crowd, c],
    );
    await m.db.query(`UPDATE chats SET last_seq = last_seq + 20000 WHERE id = $1`, [crowd]);
    const template = await upload(c);
    await m.db.query(
      `INSERT INTO attachments (uploader_id, kind, mime_type, size_bytes, name, storage_key, thumbnail_bytes)
       SELECT uploader_id, kind, mime_type, size_bytes, name, storage_key || '-' || g, thumbnail_bytes
         FROM attachments, generate_series(1, 5000) g WHERE id = $1`,
      [template],
    );

    await client.query(`LOAD 'auto_explain'`);
    for (const setting of [
      'auto_explain.log_min_duration = 0',
      'auto_explain.log_analyze = on',
      'auto_explain.log_buffers = on',
      'auto_explain.log_timing = off',
      'auto_explain.log_nested_statements = on',
      'auto_explain.log_format = json',
      'client_min_messages = log',
    ]) {
      await client.query(`SET ${setting}`);
    }
    client.on('notice', (notice) => {
      const json = notice.message?.slice(notice.message.indexOf('{'));
      if (!json?.startsWith('{')) return;
      const statement = JSON.parse(json) as { 'Query Text': string; Plan: PlanNode };
      explained.push({ query: statement['Query Text'].trim(), plan: statement.Plan });
    });
    for (const [name, request] of await requests('after')) {
      explained = [];
      expect(await batch(request)).toHaveLength(request.length);
      plans.set(name, explained);
    }
    await client.query('RESET client_min_messages');
  });

  afterAll(async () => {
    client?.release(true);
    await m.drop();
  });

  /** Each scan of a table or index in these plans, as it ran, with the buffers it read. */
  const scansOf = (statements: { plan: PlanNode }[]) =>
    statements.flatMap(({ plan }) =>
      [...nodesOf(plan)]
        .filter((node) => node.Plans === undefined && (node['Relation Name'] ?? node['Index Name']))
        .map((node) => ({ scan: node['Index Name'] ?? node['Relation Name'], buffers: buffersOf(node) })),
    );

  // A probe by key reads the 2-4 pages of one descent of a btree; a hashed subplan reads all of
  // the grown table (messages' client_message_id index alone: over 4,000 pages; user_blocks'
  // index: over 30).
  it.each([
    ['send_text_batch, a batch', 5],
    ['send_batch', 8],
  ])('%s reads a few buffers per node, not the grown tables', (name, probes) => {
    const sends = plans.get(name)!.filter(({ query }) => query.startsWith('WITH input'));
    expect(sends).toHaveLength(1);
    const scans = scansOf(sends);
    expect(scans.length).toBeGreaterThanOrEqual(probes);
    expect(scans.filter((scan) => scan.buffers > 10)).toEqual([]);
  });

  it('send_text_batch, a lone message: each statement of one row reads a few buffers per node', () => {
    const statements = plans.get('send_text_batch, a lone message')!;
    expect(statements.filter(({ query }) => query.startsWith('WITH input'))).toEqual([]);
    // The chat's lock and read (with the two block probes), the membership, the sender's name and
    // the client_message_id: each an index probe (the updates' and inserts' own scans too).
    const scans = scansOf(statements);
    expect(scans.length).toBeGreaterThanOrEqual(6);
    expect(scans.filter((scan) => !/_(pkey|key|idx)$/.test(scan.scan!))).toEqual([]);
    expect(scans.filter((scan) => scan.buffers > 10)).toEqual([]);
  });
});
