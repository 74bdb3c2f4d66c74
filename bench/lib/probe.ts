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
}

interface ProbeRequest {
  type: 'probe';
  id: number;
  gc: boolean;
}

const collect = (globalThis as { gc?: () => void }).gc;

if (process.send) {
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
    };
    process.send?.(reply);
  });
  // The IPC channel must not keep a server alive that would otherwise exit.
  process.channel?.unref();
}
