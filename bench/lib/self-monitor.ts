import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Watches the load generator itself. An open-loop generator measures from the scheduled send time,
 * so a generator that falls behind its own schedule inflates every figure; such a run is marked
 * invalid instead of being reported as the server's latency.
 */
export interface GeneratorHealth {
  /** CPU time of the generator process over the window, in cores (1.0 = one core busy). */
  cpuCores: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  saturated: boolean;
  reason: string | null;
}

export const GENERATOR_LIMITS = { cpuCores: 0.9, loopDelayP99Ms: 50 };

export class SelfMonitor {
  private readonly histogram = monitorEventLoopDelay({ resolution: 5 });
  private cpuStart = process.cpuUsage();
  private wallStart = performance.now();

  start(): void {
    this.histogram.reset();
    this.histogram.enable();
    this.cpuStart = process.cpuUsage();
    this.wallStart = performance.now();
  }

  stop(): GeneratorHealth {
    this.histogram.disable();
    const cpu = process.cpuUsage(this.cpuStart);
    const wallMs = performance.now() - this.wallStart;
    const cpuCores = (cpu.user + cpu.system) / 1000 / Math.max(wallMs, 1);
    const loopDelayP99Ms = this.histogram.percentile(99) / 1e6;
    const loopDelayMaxMs = this.histogram.max / 1e6;
    const reasons: string[] = [];
    if (cpuCores > GENERATOR_LIMITS.cpuCores) reasons.push(`generator CPU ${cpuCores.toFixed(2)} cores`);
    if (loopDelayP99Ms > GENERATOR_LIMITS.loopDelayP99Ms) {
      reasons.push(`generator event-loop delay p99 ${loopDelayP99Ms.toFixed(1)} ms`);
    }
    return {
      cpuCores,
      loopDelayP99Ms,
      loopDelayMaxMs,
      saturated: reasons.length > 0,
      reason: reasons.length ? reasons.join(', ') : null,
    };
  }
}
