import { readFileSync } from 'node:fs';
import { Client } from 'pg';
export { createDatabase, dropDatabase, serverOf } from '../../test/support/test-database.fixture';

/** The machine's PostgreSQL; the bench creates its own database on it and drops it at the end. */
export const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A plain connection for preparing data and reading settings. */
export async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: 'bench-setup' });
  await client.connect();
  return client;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time (ms) of each PostgreSQL backend serving one application on one database, by pid. */
export async function backendCpu(
  client: Client,
  database: string,
  application: string,
): Promise<Map<number, number>> {
  const { rows } = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`,
    [database, application],
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      // After "pid (comm) " the fields start at state (3): utime is 14 and stime 15 of proc(5).
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) * TICK_MS);
    } catch {
      // the backend ended meanwhile
    }
  }
  return cpu;
}

/** CPU spent between two snapshots; a backend that started in between counts from zero. */
export function backendCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/**
 * The cluster's current WAL insert position, in bytes. WAL is one stream for the whole cluster,
 * so a difference of two positions is every database's writes in between, other clients' too:
 * the bench reads it only around steps in which one of its servers runs (the interleaving runs
 * bare and service one after the other, never together). On a PostgreSQL other programs write
 * to at the same time the figure is an upper bound; `--server-url` can name a private one.
 */
export async function walPosition(client: Client): Promise<bigint> {
  const { rows } = await client.query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS lsn`);
  const [high, low] = rows[0].lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

/** Bytes of the tables (heap, with TOAST) and of their indexes in the public schema of a database. */
export async function storageBytes(client: Client): Promise<{ table: number; index: number }> {
  const { rows } = await client.query<{ table: string; index: string }>(
    `SELECT coalesce(sum(pg_table_size(c.oid)), 0)::text AS table,
            coalesce(sum(pg_indexes_size(c.oid)), 0)::text AS index
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`,
  );
  return { table: Number(rows[0].table), index: Number(rows[0].index) };
}
