import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Client } from 'pg';
import { PgCluster } from '../../test/support/pg-cluster.server';

/** Bytes of WAL (records with their full-page images) by what they changed. */
export type WalBreakdown = Map<string, number>;

/** `pg_waldump`'s spelling of a WAL position. */
function lsnText(position: bigint): string {
  return `${(position >> 32n).toString(16).toUpperCase()}/${(position & 0xffffffffn).toString(16).toUpperCase()}`;
}

// rmgr: Heap  len (rec/tot):  79/  79, tx: 745, lsn: 0/0155F0A8, prev 0/0155F070, desc: INSERT off 5 …, blkref #0: rel 1663/16384/16390 blk 0
const RECORD = /^rmgr: (\S+)\s+len \(rec\/tot\):\s*\d+\/\s*(\d+),.*? desc: (\S+)/;
const FIRST_BLOCK = /blkref #0: rel \d+\/(\d+)\/(\d+)/;

/**
 * Where the WAL between two positions went, by relation (the first block a record changes,
 * resolved to its name in the database `db` is connected to) and record type: `pg_waldump` over
 * the cluster's own pg_wal, so only where the bench runs beside the server (`--private-pg`, or the
 * machine's own PostgreSQL with its data directory readable). Records of other databases count as
 * "another database", those without a block (commits, running-xacts) under their type alone.
 */
export async function walBreakdown(db: Client, from: bigint, to: bigint): Promise<WalBreakdown> {
  const { rows: settings } = await db.query<{ dir: string; database: string }>(
    `SELECT current_setting('data_directory') AS dir,
            (SELECT oid::text FROM pg_database WHERE datname = current_database()) AS database`,
  );
  const { rows: relations } = await db.query<{ node: string; name: string }>(
    `SELECT pg_relation_filenode(c.oid)::text AS node, c.relname AS name
       FROM pg_class c WHERE pg_relation_filenode(c.oid) IS NOT NULL`,
  );
  const names = new Map(relations.map((row) => [row.node, row.name]));
  const { dir, database } = settings[0];
  const dump = spawn(join(PgCluster.binaries(), 'pg_waldump'), [
    '-p',
    join(dir, 'pg_wal'),
    '-s',
    lsnText(from),
    '-e',
    lsnText(to),
  ]);
  const failure = new Promise<never>((_, reject) => dump.once('error', reject));
  let errors = '';
  dump.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const bytes: WalBreakdown = new Map();
  const lines = createInterface({ input: dump.stdout });
  const reading = (async () => {
    for await (const line of lines) {
      const record = RECORD.exec(line);
      if (!record) continue;
      const [, manager, total, type] = record;
      const block = FIRST_BLOCK.exec(line);
      const relation = !block
        ? '(no relation)'
        : block[1] !== database
          ? '(another database)'
          : (names.get(block[2]) ?? `(relation ${block[2]})`);
      const key = `${relation} ${manager}/${type}`;
      bytes.set(key, (bytes.get(key) ?? 0) + Number(total));
    }
  })();
  const exit = new Promise<number | null>((resolve) => dump.once('close', resolve));
  await Promise.race([reading, failure]);
  const code = await exit;
  // pg_waldump exits 1 after the last record when the end position falls inside a record it has
  // read up to: that is the normal end of a range taken from pg_current_wal_lsn(), not a failure.
  if (bytes.size === 0 && code !== 0) throw new Error(`pg_waldump: ${errors.trim() || `exit ${code}`}`);
  return bytes;
}

/** Adds one step's breakdown into a running total. */
export function addBreakdown(total: WalBreakdown, step: WalBreakdown): void {
  for (const [key, value] of step) total.set(key, (total.get(key) ?? 0) + value);
}

/** The largest entries, per event, as one line: "messages Heap/INSERT 212 B, …". */
export function describeBreakdown(total: WalBreakdown, events: number, top = 20): string {
  const entries = [...total].sort((a, b) => b[1] - a[1]);
  const shown = entries.slice(0, top).map(([key, value]) => `${key} ${(value / events).toFixed(0)} B`);
  const rest = entries.slice(top).reduce((sum, [, value]) => sum + value, 0);
  if (rest > 0) shown.push(`the rest ${(rest / events).toFixed(0)} B`);
  return shown.join(', ');
}
