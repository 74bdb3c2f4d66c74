import type { Client } from 'pg';

/** One top-level statement's share of a step, summed over the steps it ran in. */
export interface StatementShare {
  calls: number;
  execMs: number;
  planMs: number;
  walBytes: number;
}

/** What pg_stat_statements saw in one database, by statement text. */
export type StatementBreakdown = Map<string, StatementShare>;

/**
 * Clears pg_stat_statements before a step; false where the extension is not loaded (it must be in
 * shared_preload_libraries, as `--private-pg` sets it up), and then there is nothing to read.
 */
export async function resetStatements(db: Client): Promise<boolean> {
  try {
    await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await db.query('SELECT pg_stat_statements_reset()');
    return true;
  } catch {
    return false;
  }
}

/**
 * The top-level statements the server ran in `db`'s database since the reset, as pg_stat_statements
 * counted them (a PL/pgSQL function is one statement: its call), the bench's own set-up queries
 * left out.
 */
export async function readStatements(db: Client): Promise<StatementBreakdown> {
  const { rows } = await db.query<{ query: string; calls: string; exec: number; plan: number; wal: string }>(
    `SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls::text,
            total_exec_time AS exec, total_plan_time AS plan, wal_bytes::text AS wal
       FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query !~* 'pg_stat_statements|pg_current_wal_lsn|pg_stat_activity|pg_relation_filenode|pg_table_size'`,
  );
  const shares: StatementBreakdown = new Map();
  for (const row of rows) {
    shares.set(row.query, {
      calls: Number(row.calls),
      execMs: row.exec,
      planMs: row.plan,
      walBytes: Number(row.wal),
    });
  }
  return shares;
}

export function addStatements(total: StatementBreakdown, step: StatementBreakdown): void {
  for (const [query, share] of step) {
    const sum = total.get(query) ?? { calls: 0, execMs: 0, planMs: 0, walBytes: 0 };
    sum.calls += share.calls;
    sum.execMs += share.execMs;
    sum.planMs += share.planMs;
    sum.walBytes += share.walBytes;
    total.set(query, sum);
  }
}

/** The statements that took the most time, per event: "calls, µs executing (+ planning), WAL bytes". */
export function describeStatements(total: StatementBreakdown, events: number, top = 8): string {
  return [...total]
    .sort((a, b) => b[1].execMs + b[1].planMs - (a[1].execMs + a[1].planMs))
    .slice(0, top)
    .map(
      ([query, share]) =>
        `"${query.slice(0, 60)}${query.length > 60 ? '…' : ''}" ${(share.calls / events).toFixed(3)} calls, ` +
        `${((share.execMs * 1000) / events).toFixed(1)} µs (+ ${((share.planMs * 1000) / events).toFixed(1)} planning), ` +
        `${(share.walBytes / events).toFixed(0)} B`,
    )
    .join('; ');
}
