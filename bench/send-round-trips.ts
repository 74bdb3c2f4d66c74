import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { RECEIPTS_IN_BATCH_MAX } from '../src/messages/send-batch.planner';
import {
  LOCK_CHATS_SQL,
  NewMessage,
  SEND_BATCH_SETTINGS,
  SEND_BATCH_SQL,
  sendBatchStatements,
  sendBatchValues,
} from '../src/repositories/send-batch.statements';
import { bulkMessages } from './lib/bulk';
import { CONTENT } from './lib/message-load';

/**
 * Issue 12, item 2: what one group-commit batch costs PostgreSQL and the client, by the way it is
 * sent, on one connection, one batch at a time, the modes interleaved in blocks:
 * - `three`: the three round trips before migration 1764950000000 (BEGIN, the SET LOCALs and the
 *   chat locks as one simple query; SEND_BATCH_SQL as a named statement; COMMIT);
 * - `one`: the send_batch function in autocommit (what the batcher runs now);
 * - `statement`: the rejected alternative, one statement in autocommit locking the chats in a
 *   CTE (its snapshot predates its locks: see the migration), the settings made per connection.
 * Per message: client latency, the backend's CPU (/proc), WAL (pg_current_wal_lsn: exact only on
 * a PostgreSQL nobody else writes to) and, when pg_stat_statements is loaded, execution time and
 * buffers of the top-level statements (COMMIT apart: in autocommit the commit is not in any).
 *
 * Usage (a migrated database, ideally on a private cluster):
 *   npm run build && tsc -p bench/tsconfig.json &&
 *   node dist/bench/send-round-trips.js <database-url> [batches=2000] [messagesPerBatch=1] [blocks=4]
 *     [modes=three,one,statement]
 */

type Mode = 'three' | 'one' | 'statement';
const ALL_MODES: Mode[] = ['three', 'one', 'statement'];
const CHATS = 100;

const LEGACY_BEGIN = (chatIds: number[]) =>
  `BEGIN; ${Object.entries(SEND_BATCH_SETTINGS)
    .map(([name, value]) => `SET LOCAL ${name} = ${value}`)
    .join('; ')}; ${LOCK_CHATS_SQL.replace('$1::int[]', `'{${chatIds.join(',')}}'::int[]`)}`;

/** Option (a): SEND_BATCH_SQL taking the chats' locks (and last_seq) in a CTE of its own. */
const SINGLE_STATEMENT_SQL = SEND_BATCH_SQL.replace(
  'WITH input AS (',
  `WITH locked AS MATERIALIZED (
     SELECT c.id, c.last_seq FROM chats c WHERE c.id = ANY($1::int[]) AND c.deleted_at IS NULL ORDER BY c.id FOR UPDATE
   ), input AS (`,
).replace(
  'SELECT c.last_seq FROM chats c WHERE c.id = i.chat_id AND c.deleted_at IS NULL LIMIT 1',
  'SELECT c.last_seq FROM locked c WHERE c.id = i.chat_id LIMIT 1',
);

interface Pair {
  chatId: number;
  members: number[];
}

async function setUp(db: Client): Promise<Pair[]> {
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').catch(() => undefined);
  const { rows: existing } = await db.query<{ id: number }>(
    `SELECT id FROM chats ORDER BY id LIMIT ${CHATS}`,
  );
  if (existing.length < CHATS) {
    await db.query(
      `INSERT INTO users (username, display_name, password_hash)
       SELECT 'rt_' || g, 'Round trip ' || g, 'x' FROM generate_series(1, ${2 * CHATS}) g`,
    );
    await db.query(
      `WITH u AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users WHERE username LIKE 'rt\\_%'),
            c AS (INSERT INTO chats (created_by, member_key)
                  SELECT a.id, a.id || ',' || b.id FROM u a JOIN u b ON b.n = a.n + 1 WHERE a.n % 2 = 1
                  RETURNING id, created_by)
       INSERT INTO chat_members (chat_id, user_id, role)
       SELECT c.id, c.created_by, 'owner' FROM c UNION ALL SELECT c.id, c.created_by + 1, 'member' FROM c`,
    );
    const { rows } = await db.query<{ id: number; name: string }>(
      `SELECT u.id, u.display_name AS name FROM chat_members cm JOIN users u ON u.id = cm.user_id
        WHERE cm.chat_id = (SELECT min(id) FROM chats) ORDER BY u.id`,
    );
    const { rows: first } = await db.query<{ id: number }>('SELECT min(id) AS id FROM chats');
    // A long history in the first chat, for realistic index depth.
    await bulkMessages(db, first[0].id, rows, 100_000);
    await db.query('VACUUM ANALYZE');
  }
  const { rows } = await db.query<{ chat_id: number; members: number[] }>(
    `SELECT chat_id, array_agg(user_id ORDER BY user_id) AS members FROM chat_members
      WHERE chat_id IN (SELECT id FROM chats ORDER BY id LIMIT ${CHATS}) GROUP BY chat_id ORDER BY chat_id`,
  );
  return rows.map((row) => ({ chatId: row.chat_id, members: row.members }));
}

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Block {
  mode: Mode;
  messages: number;
  latencies: number[];
  cpuMs: number;
  walBytes: number;
  stats?: { execMs: number; commitMs: number; hit: number; read: number; dirtied: number; walBytes: number };
}

let counter = 0;
function batchOf(pairs: Pair[], size: number): NewMessage[] {
  return Array.from({ length: size }, () => {
    const pair = pairs[Math.floor(Math.random() * pairs.length)];
    counter++;
    return {
      chatId: pair.chatId,
      senderId: pair.members[counter % 2],
      content: `${CONTENT} ${counter}`,
      clientMessageId: `rt-${process.pid}-${counter}`,
    };
  });
}

async function sendOne(client: Client, mode: Mode, batch: NewMessage[]): Promise<number> {
  // Text messages only: the attachment ids ($6) are NULL, as the batcher passes them.
  const values = sendBatchValues(batch, RECEIPTS_IN_BATCH_MAX);
  if (mode === 'one') return (await sendBatchStatements.send(client, batch, RECEIPTS_IN_BATCH_MAX)).length;
  if (mode === 'statement') {
    const result = await client.query({ name: 'single_statement', text: SINGLE_STATEMENT_SQL, values });
    return result.rowCount ?? 0;
  }
  await client.query(LEGACY_BEGIN([...new Set(batch.map((m) => m.chatId))].sort((a, b) => a - b)));
  const result = await client.query({ name: 'legacy_send', text: SEND_BATCH_SQL, values });
  await client.query('COMMIT');
  return result.rowCount ?? 0;
}

async function statements(admin: Client): Promise<Block['stats']> {
  try {
    const { rows } = await admin.query<{
      commit: boolean;
      ms: number;
      hit: string;
      read: string;
      dirtied: string;
      wal: string;
    }>(
      `SELECT upper(query) = 'COMMIT' AS commit, sum(total_exec_time)::float AS ms, sum(shared_blks_hit) AS hit,
              sum(shared_blks_read) AS read, sum(shared_blks_dirtied) AS dirtied, sum(wal_bytes) AS wal
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_current_wal_lsn%'
        GROUP BY 1`,
    );
    const sum = { execMs: 0, commitMs: 0, hit: 0, read: 0, dirtied: 0, walBytes: 0 };
    for (const row of rows) {
      if (row.commit) sum.commitMs += row.ms;
      else sum.execMs += row.ms;
      sum.hit += Number(row.hit);
      sum.read += Number(row.read);
      sum.dirtied += Number(row.dirtied);
      sum.walBytes += Number(row.wal);
    }
    return sum;
  } catch {
    return undefined;
  }
}

async function lsn(admin: Client): Promise<bigint> {
  const { rows } = await admin.query<{ lsn: string }>(
    `SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::text AS lsn`,
  );
  return BigInt(rows[0].lsn.split('.')[0]);
}

async function block(
  admin: Client,
  clients: Record<Mode, { client: Client; pid: number }>,
  mode: Mode,
  pairs: Pair[],
  batches: number,
  size: number,
): Promise<Block> {
  const { client, pid } = clients[mode];
  for (let i = 0; i < 50; i++) await sendOne(client, mode, batchOf(pairs, size));
  await admin.query('SELECT pg_stat_statements_reset()').catch(() => undefined);
  const wal0 = await lsn(admin);
  const cpu0 = cpuMs(pid);
  const latencies: number[] = [];
  let messages = 0;
  for (let i = 0; i < batches; i++) {
    const start = process.hrtime.bigint();
    messages += await sendOne(client, mode, batchOf(pairs, size));
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const cpu = cpuMs(pid) - cpu0;
  const walBytes = Number((await lsn(admin)) - wal0);
  return { mode, messages, latencies, cpuMs: cpu, walBytes, stats: await statements(admin) };
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

async function main(): Promise<void> {
  const [url, batchesArg = '2000', sizeArg = '1', blocksArg = '4', modesArg] = process.argv.slice(2);
  const modes = modesArg ? (modesArg.split(',') as Mode[]) : ALL_MODES;
  if (!url)
    throw new Error('Usage: node dist/bench/send-round-trips.js <database-url> [batches] [size] [blocks]');
  const [batches, size, blocks] = [Number(batchesArg), Number(sizeArg), Number(blocksArg)];
  const admin = new Client({ connectionString: url });
  await admin.connect();
  const pairs = await setUp(admin);
  const clients = {} as Record<Mode, { client: Client; pid: number }>;
  for (const mode of modes) {
    const client = new Client({ connectionString: url, application_name: `rt-${mode}` });
    await client.connect();
    if (mode === 'statement') {
      for (const [name, value] of Object.entries(SEND_BATCH_SETTINGS))
        await client.query(`SET ${name} = ${value}`);
    }
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    clients[mode] = { client, pid: rows[0].pid };
  }
  const round = (value: number, digits = 0) => Number(value.toFixed(digits));
  process.stdout.write(`${batches} batches of ${size} per block, ${blocks} blocks per mode, interleaved\n`);
  for (let b = 0; b < blocks; b++) {
    for (const mode of b % 2 ? [...modes].reverse() : modes) {
      const r = await block(admin, clients, mode, pairs, batches, size);
      const per = (value: number) => value / r.messages;
      process.stdout.write(
        `${JSON.stringify({
          mode: r.mode,
          messages: r.messages,
          roundTripsPerBatch: r.mode === 'three' ? 3 : 1,
          latencyMs: {
            p50: round(quantile(r.latencies, 0.5), 3),
            p99: round(quantile(r.latencies, 0.99), 3),
            mean: round(r.latencies.reduce((s, v) => s + v, 0) / r.latencies.length, 3),
          },
          backendCpuUsPerMessage: round(per(r.cpuMs * 1000)),
          walBytesPerMessage: round(per(r.walBytes)),
          statements: r.stats && {
            execUsPerMessage: round(per(r.stats.execMs * 1000)),
            commitUsPerMessage: round(per(r.stats.commitMs * 1000)),
            buffersHitPerMessage: round(per(r.stats.hit), 1),
            buffersReadPerMessage: round(per(r.stats.read), 2),
            buffersDirtiedPerMessage: round(per(r.stats.dirtied), 2),
            statementWalBytesPerMessage: round(per(r.stats.walBytes)),
          },
        })}\n`,
      );
    }
  }
  for (const { client } of Object.values(clients)) await client.end();
  await admin.end();
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
