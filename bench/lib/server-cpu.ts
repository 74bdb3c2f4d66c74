import type { BenchContext } from './context';
import { backendCpu, backendCpuDelta } from './database';
import { cpuMs, ServerProcess } from './processes';

/** CPU a server has used so far: its Node.js process, and each of its PostgreSQL backends. */
export interface CpuSnapshot {
  node: number;
  pg: Map<number, number>;
}

export async function cpuSnapshot(
  ctx: BenchContext,
  server: ServerProcess,
  application: string,
): Promise<CpuSnapshot> {
  return {
    node: cpuMs(await server.probe()),
    pg: await backendCpu(ctx.setup, ctx.databaseName, application),
  };
}

/** Microseconds of CPU per message or request between two snapshots, by where it was spent. */
export function cpuPerEvent(
  before: CpuSnapshot,
  after: CpuSnapshot,
  events: number,
): { nodeUs: number; pgUs: number; totalUs: number } {
  const nodeUs = ((after.node - before.node) * 1000) / events;
  const pgUs = (backendCpuDelta(before.pg, after.pg) * 1000) / events;
  return { nodeUs, pgUs, totalUs: nodeUs + pgUs };
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
