import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

/**
 * Preloaded (`node --require`) into every server the bench starts, the service and the bare
 * baseline alike: answers memory and CPU questions over the IPC channel, so that the servers
 * need no bench-only code of their own. Run with --expose-gc to measure heap after collection.
 */
export interface ProbeReply {
  type: 'probe';
  id: number;
  heapUsed: number;
  rss: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  /** Milliseconds of garbage-collection pauses so far: young generation (scavenges), the rest. */
  gcYoungMs: number;
  gcOldMs: number;
}

interface ProbeRequest {
  type: 'probe';
  id: number;
  gc: boolean;
}

const collect = (globalThis as { gc?: () => void }).gc;

/** The process' garbage-collection pauses, less the collections forced for a memory reading. */
const pauses = { youngMs: 0, oldMs: 0 };

if (process.send) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { kind, flags } = (entry as PerformanceEntry & { detail: { kind: number; flags: number } })
        .detail;
      if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) continue;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) pauses.youngMs += entry.duration;
      else pauses.oldMs += entry.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (request: ProbeRequest) => {
    if (request?.type !== 'probe') return;
    if (request.gc && collect) {
      collect();
      collect();
    }
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    const reply: ProbeReply = {
      type: 'probe',
      id: request.id,
      heapUsed: memory.heapUsed,
      rss: memory.rss,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      gcYoungMs: pauses.youngMs,
      gcOldMs: pauses.oldMs,
    };
    process.send?.(reply);
  });
  // The IPC channel must not keep a server alive that would otherwise exit.
  process.channel?.unref();
}
