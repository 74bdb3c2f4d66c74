import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { RECEIPTS_IN_BATCH_MAX } from '../../src/messages/send-batch.planner';
import {
  LOCK_CHATS_SQL,
  SEND_BATCH_SETTINGS,
  SEND_TEXT_BATCH_SQL,
} from '../../src/repositories/send-batch.statements';
import { BARE_SQL } from '../bare/bare-sql';
import { createChat, register } from '../lib/api';
import { bulkMessages, mirrorToBare, settle } from '../lib/bulk';
import type { BenchContext, Kind } from '../lib/context';
import { connect, walPosition } from '../lib/database';
import { CONTENT } from '../lib/message-load';
import { perServer } from '../lib/report';

/**
 * Where PostgreSQL's time and WAL go per message (issue 12, item 1), as measuring tooling: on a
 * chat of two with a loaded history in each database, the statements each server runs for one
 * message, one message per transaction as at low load, N times each side:
 * - `EXPLAIN (ANALYZE, BUFFERS, WAL)` of the first message's statements, written to
 *   explain-service.txt / explain-bare.txt and the log: the service's SEND_TEXT_BATCH_SQL, the
 *   statement of a batch of text messages (as a prepared statement after the chat locks, under
 *   the settings the send_text_batch function runs it with, so the generic plan it really runs)
 *   and the bare server's seq update and insert;
 * - WAL per message two ways: the sum of the statements' own WAL as EXPLAIN reports it per
 *   ModifyTable node (exact, this backend only, without lock and commit records), and the
 *   cluster's WAL position before and after the N messages (everything, but cluster-wide: exact
 *   only on a PostgreSQL nobody else writes to, see walPosition);
 * - execution time per message as EXPLAIN measures it (with its instrumentation overhead);
 * - pg_stat_statements per statement, when the server preloads it (shared_preload_libraries
 *   needs a restart: the bench never changes the server's settings, so otherwise it says so).
 */

interface PlanNode {
  'Node Type': string;
  'WAL Bytes'?: number;
  Plans?: PlanNode[];
}

/** WAL of the modifying nodes (each one's figure already counts its children's). */
function modifyWal(node: PlanNode): number {
  if (node['Node Type'] === 'ModifyTable') return node['WAL Bytes'] ?? 0;
  return (node.Plans ?? []).reduce((sum, child) => sum + modifyWal(child), 0);
}

const EXPLAIN = 'EXPLAIN (ANALYZE, BUFFERS, WAL';

interface Explained {
  walBytes: number;
  ms: number;
}

async function explainJson(db: Client, sql: string, values: unknown[]): Promise<Explained> {
  const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(
    `${EXPLAIN}, FORMAT JSON) ${sql}`,
    values,
  );
  const [plan] = rows[0]['QUERY PLAN'];
  return { walBytes: modifyWal(plan.Plan), ms: plan['Execution Time'] };
}

async function explainText(db: Client, sql: string, values: unknown[]): Promise<string> {
  const { rows } = await db.query<{ 'QUERY PLAN': string }>(`${EXPLAIN}) ${sql}`, values);
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

interface Side {
  /** One message in its own transaction; `text` asks for the plans as text instead. */
  send(i: number, text: boolean): Promise<Explained & { plans?: string }>;
}

function serviceSide(db: Client, chatId: number, senderId: number): Side {
  return {
    async send(i, text) {
      const settings = Object.entries(SEND_BATCH_SETTINGS).map(
        ([name, value]) => `SET LOCAL ${name} = ${value}`,
      );
      await db.query(`BEGIN; ${settings.join('; ')}`);
      await db.query(LOCK_CHATS_SQL, [[chatId]]);
      // EXECUTE under EXPLAIN takes no bound parameters: the values go in as literals.
      const text1 = (value: string) => `ARRAY[${db.escapeLiteral(value)}]::text[]`;
      const sql =
        `EXECUTE send_text_batch(ARRAY[${chatId}], ARRAY[${senderId}], ${text1(CONTENT + i)}, ` +
        `${text1(`explain-${i}`)}, ${RECEIPTS_IN_BATCH_MAX})`;
      const result = text
        ? { walBytes: 0, ms: 0, plans: await explainText(db, sql, []) }
        : await explainJson(db, sql, []);
      await db.query('COMMIT');
      return result;
    },
  };
}

function bareSide(db: Client, chatId: number, sender: { id: number; name: string }): Side {
  return {
    async send(i, text) {
      await db.query('BEGIN');
      const insert = (seq: number) => [chatId, seq, sender.id, sender.name, CONTENT + i, `explain-${i}`];
      let result: Explained & { plans?: string };
      if (text) {
        const next = await explainText(db, BARE_SQL.nextSeq, [chatId]);
        const seq = await lastSeq(db, chatId);
        result = {
          walBytes: 0,
          ms: 0,
          plans: `${next}\n\n${await explainText(db, BARE_SQL.insertMessage, insert(seq))}`,
        };
      } else {
        const next = await explainJson(db, BARE_SQL.nextSeq, [chatId]);
        const inserted = await explainJson(db, BARE_SQL.insertMessage, insert(await lastSeq(db, chatId)));
        result = { walBytes: next.walBytes + inserted.walBytes, ms: next.ms + inserted.ms };
      }
      await db.query('COMMIT');
      return result;
    },
  };
}

async function lastSeq(db: Client, chatId: number): Promise<number> {
  const { rows } = await db.query<{ last_seq: number }>(`SELECT last_seq FROM chats WHERE id = $1`, [chatId]);
  return rows[0].last_seq;
}

/** Bytes of every table and index of the public schema, by name. */
async function relationSizes(db: Client): Promise<Map<string, number>> {
  const { rows } = await db.query<{ name: string; bytes: string }>(
    `SELECT c.relname AS name, pg_relation_size(c.oid)::text AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')`,
  );
  return new Map(rows.map((row) => [row.name, Number(row.bytes)]));
}

/** Whether the server preloads pg_stat_statements; then the extension is made in both databases. */
async function statementStats(ctx: BenchContext): Promise<boolean> {
  const { rows } = await ctx.setup.query<{ setting: string }>(
    `SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'`,
  );
  if (!rows[0]?.setting.includes('pg_stat_statements')) return false;
  await ctx.both((db) => db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements'));
  return true;
}

export async function explain(ctx: BenchContext): Promise<void> {
  const history = ctx.options.quick ? 100_000 : 1_000_000;
  const count = ctx.options.quick ? 300 : 2000;
  const a = await register(ctx.service.origin, `e${ctx.runTag}_a`);
  const b = await register(ctx.service.origin, `e${ctx.runTag}_b`);
  const chatId = await createChat(ctx.service.origin, a, [b.id]);
  await mirrorToBare(ctx);
  ctx.log(`inserting ${history} messages with SQL into each database`);
  const senders = [
    { id: a.id, name: a.username },
    { id: b.id, name: b.username },
  ];
  await ctx.both((db) => bulkMessages(db, chatId, senders, history));
  await settle(ctx);
  const statements = await statementStats(ctx);
  const clients: Record<Kind, Client> = {
    service: await connect(ctx.databaseUrl),
    bare: await connect(ctx.bareDatabaseUrl),
  };
  try {
    await clients.service.query(`PREPARE send_text_batch AS ${SEND_TEXT_BATCH_SQL}`);
    const sides: Record<Kind, Side> = {
      service: serviceSide(clients.service, chatId, a.id),
      bare: bareSide(clients.bare, chatId, senders[0]),
    };
    if (statements) {
      // Statements under EXPLAIN and EXECUTE counted as themselves, the wrappers not at all.
      for (const client of Object.values(clients)) {
        await client.query(
          `SET pg_stat_statements.track = 'all'; SET pg_stat_statements.track_utility = off`,
        );
      }
      await ctx.both((db) => db.query('SELECT pg_stat_statements_reset()'));
    }
    const figures = perServer('statementWal', 'lsnWal', 'ms');
    const growth: Record<Kind, Map<string, number>> = { bare: new Map(), service: new Map() };
    for (const kind of ['bare', 'service'] as const) {
      const { plans } = await sides[kind].send(0, true);
      writeFileSync(join(ctx.resultsDir, `explain-${kind}.txt`), `${plans}\n`);
      ctx.log(`  ${kind}: the statements of one message, on ${history} messages:\n${plans}`);
    }
    for (let repeat = 0; repeat < ctx.options.repeats; repeat++) {
      for (const kind of ctx.order(repeat)) {
        // Only this side writes between the two positions (see walPosition).
        const sizes = await relationSizes(ctx.db(kind));
        const before = await walPosition(ctx.setup);
        let walBytes = 0;
        let ms = 0;
        for (let i = 1; i <= count; i++) {
          const result = await sides[kind].send(repeat * count + i, false);
          walBytes += result.walBytes;
          ms += result.ms;
        }
        const lsn = Number((await walPosition(ctx.setup)) - before) / count;
        for (const [name, bytes] of await relationSizes(ctx.db(kind))) {
          const grown = (bytes - (sizes.get(name) ?? 0)) / count / ctx.options.repeats;
          growth[kind].set(name, (growth[kind].get(name) ?? 0) + grown);
        }
        figures.statementWal[kind].push(walBytes / count);
        figures.lsnWal[kind].push(lsn);
        figures.ms[kind].push((ms * 1000) / count);
        ctx.log(
          `  ${kind} #${repeat + 1}: ${count} messages, statements' WAL ${(walBytes / count).toFixed(0)} B/message, ` +
            `WAL position ${lsn.toFixed(0)} B/message, execution ${((ms * 1000) / count).toFixed(0)} µs/message`,
        );
      }
    }
    const at = `${count} messages one by one, chat of 2 with ${history} messages`;
    ctx.rows.push(
      {
        scenario: 'explain',
        metric: `statements' WAL per message (EXPLAIN, ModifyTable nodes), ${at}`,
        unit: 'bytes',
        ...figures.statementWal,
      },
      {
        scenario: 'explain',
        metric: 'WAL per message, WAL position delta (with locks and commit; cluster-wide)',
        unit: 'bytes',
        ...figures.lsnWal,
        target: { kind: 'ratio-at-most', value: 1.5 },
      },
      {
        scenario: 'explain',
        metric: 'execution time per message (EXPLAIN ANALYZE, instrumented)',
        unit: 'µs',
        ...figures.ms,
      },
    );
    for (const kind of ['bare', 'service'] as const) {
      const grown = [...growth[kind]].filter(([, bytes]) => bytes > 0).sort((x, y) => y[1] - x[1]);
      ctx.notes.push(
        `explain, ${kind}: growth per message by relation (pages are 8 kB, so only the larger ones show): ` +
          grown.map(([name, bytes]) => `${name} ${bytes.toFixed(0)} B`).join(', '),
      );
    }
    if (statements) {
      for (const kind of ['bare', 'service'] as const) {
        const { rows } = await ctx.db(kind).query<{ line: string }>(
          `SELECT format('%s calls, %s µs, %s WAL bytes, %s buffers hit a call: %s', calls,
                         round((1000 * total_exec_time / calls)::numeric), round(wal_bytes / calls),
                         round(shared_blks_hit::numeric / calls), left(regexp_replace(query, '\\s+', ' ', 'g'), 90)) AS line
             FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query !~ 'pg_stat_statements|pg_relation_size|pg_current_wal_lsn'
            ORDER BY total_exec_time DESC LIMIT 6`,
        );
        ctx.notes.push(`explain, ${kind}, pg_stat_statements: ${rows.map((row) => row.line).join('; ')}`);
      }
    } else {
      ctx.notes.push(
        'explain: pg_stat_statements skipped: the server does not preload it (shared_preload_libraries ' +
          'needs a restart, which the bench does not do to a server it did not start); EXPLAIN figures above',
      );
    }
  } finally {
    await clients.service.end();
    await clients.bare.end();
  }
}
