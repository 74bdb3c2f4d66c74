import type { BenchContext, Kind } from './context';
import { backendCpu, backendCpuDelta, storageBytes, walPosition } from './database';
import { cpuMs, ServerProcess } from './processes';

/**
 * What a server has used so far: CPU of its Node.js process and of each of its PostgreSQL
 * backends, the cluster's WAL position (see walPosition: cluster-wide, so read only around steps
 * where this server alone runs) and the size of its database's tables and indexes.
 */
export interface CpuSnapshot {
  node: number;
  /** Milliseconds of garbage-collection pauses of the Node.js process so far. */
  gcMs: number;
  pg: Map<number, number>;
  wal: bigint;
  storage: { table: number; index: number };
}

export async function cpuSnapshot(ctx: BenchContext, kind: Kind): Promise<CpuSnapshot> {
  const probe = await ctx.server(kind).probe();
  return {
    node: cpuMs(probe),
    gcMs: probe.gcYoungMs + probe.gcOldMs,
    pg: await backendCpu(ctx.setup, ctx.databaseOf(kind), ctx.application(kind)),
    wal: await walPosition(ctx.setup),
    storage: await storageBytes(ctx.db(kind)),
  };
}

export interface PerEvent {
  /** Microseconds of CPU per event, by where it was spent. */
  nodeUs: number;
  pgUs: number;
  totalUs: number;
  /** Microseconds of the process' garbage-collection pauses per event (in nodeUs too). */
  gcUs: number;
  /** Bytes of WAL, table and index growth per event. */
  walBytes: number;
  tableBytes: number;
  indexBytes: number;
}

/** What one message or request cost between two snapshots. */
export function cpuPerEvent(before: CpuSnapshot, after: CpuSnapshot, events: number): PerEvent {
  const nodeUs = ((after.node - before.node) * 1000) / events;
  const pgUs = (backendCpuDelta(before.pg, after.pg) * 1000) / events;
  return {
    nodeUs,
    pgUs,
    totalUs: nodeUs + pgUs,
    gcUs: ((after.gcMs - before.gcMs) * 1000) / events,
    walBytes: Number(after.wal - before.wal) / events,
    tableBytes: (after.storage.table - before.storage.table) / events,
    indexBytes: (after.storage.index - before.storage.index) / events,
  };
}

/**
 * Waits until the server has been idle (under 5% of a core) for a second, or `maxMs` passed: the
 * aftermath of one run (a disconnect storm's presence updates, say) must not bill the next one.
 */
export async function whenQuiet(server: ServerProcess, maxMs = 20_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let quiet = 0;
  let last = cpuMs(await server.probe());
  while (Date.now() < deadline && quiet < 2) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = cpuMs(await server.probe());
    quiet = now - last < 25 ? quiet + 1 : 0;
    last = now;
  }
}
