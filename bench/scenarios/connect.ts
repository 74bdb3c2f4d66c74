import type { Socket } from 'socket.io-client';
import { get } from '../lib/api';
import { bulkPairChats, bulkUsers, mirrorToBare, settle } from '../lib/bulk';
import type { BenchContext } from '../lib/context';
import { perServer } from '../lib/report';
import { cpuMs, ServerProcess } from '../lib/processes';
import { cpuPerEvent, cpuSnapshot, whenQuiet } from '../lib/server-cpu';
import { onSchedule } from '../lib/schedule';
import { SelfMonitor } from '../lib/self-monitor';
import { Recorder } from '../lib/stats';
import { closeAll, openSocket } from '../lib/sockets';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface RampResult {
  connected: number;
  failures: number;
  firstFailure: string | null;
  p50: number;
  p99: number;
  heapPerSocketKb: number;
  rssPerSocketKb: number;
  cpuPerConnectMs: number;
  generatorCpuCores: number;
  generatorSaturated: string | null;
}

/**
 * Opens one socket per token on an open-loop schedule (`rate` a second), latency from the
 * scheduled start to `connect`; then, with every socket idle, the server's heap (after full
 * collections) and RSS per socket; then closes them all.
 */
async function ramp(server: ServerProcess, tokens: string[], rate: number): Promise<RampResult> {
  const before = await server.probe(true);
  const latency = new Recorder();
  const sockets: Socket[] = [];
  let firstFailure: string | null = null;
  const monitor = new SelfMonitor();
  monitor.start();
  const settled: Promise<void>[] = [];
  await onSchedule(tokens.length, 1000 / rate, (i, scheduled) => {
    const socket = openSocket(server.origin, tokens[i]);
    sockets.push(socket);
    settled.push(
      new Promise<void>((resolve) => {
        socket.once('connect', () => {
          latency.add(performance.now() - scheduled);
          resolve();
        });
        socket.once('connect_error', (error) => {
          firstFailure ??= error.message;
          resolve();
        });
        socket.once('disconnect', (reason) => {
          if (reason !== 'io client disconnect') firstFailure ??= `disconnected: ${reason}`;
        });
      }),
    );
  });
  await Promise.all(settled);
  const generator = monitor.stop();
  await sleep(2000);
  const after = await server.probe(true);
  const connected = sockets.filter((socket) => socket.connected).length;
  const summary = latency.summary();
  closeAll(sockets);
  // Past the service's 2 s presence delay, then until the disconnects are all handled.
  await sleep(3000);
  await whenQuiet(server);
  const per = (delta: number) => delta / 1024 / Math.max(connected, 1);
  return {
    connected,
    failures: tokens.length - connected,
    firstFailure,
    p50: summary.p50,
    p99: summary.p99,
    heapPerSocketKb: per(after.heapUsed - before.heapUsed),
    rssPerSocketKb: per(after.rss - before.rss),
    cpuPerConnectMs: (cpuMs(after) - cpuMs(before)) / Math.max(connected, 1),
    generatorCpuCores: generator.cpuCores,
    generatorSaturated: generator.reason,
  };
}

/**
 * Connect: N authenticated sockets on one instance, each user in a two-person chat (so each
 * handshake joins a chat room and a user room, as in real use).
 */
export async function connect(ctx: BenchContext): Promise<void> {
  const count = ctx.options.quick ? 1000 : 10_000;
  const rate = 500;
  ctx.log(`creating ${count} users and ${count / 2} chats with SQL`);
  const users = await bulkUsers(ctx, `c${ctx.runTag}`, count);
  const pairs: [number, number][] = [];
  for (let i = 0; i + 1 < users.length; i += 2) pairs.push([users[i].id, users[i + 1].id]);
  await bulkPairChats(ctx.setup, pairs);
  await mirrorToBare(ctx);
  await settle(ctx);
  // The signed tokens must be ones the service accepts, or every figure below is a refusal.
  await get(ctx.service.origin, '/users/me', users[0].token);
  const tokens = users.map((user) => user.token);

  const figures = perServer('failures', 'p50', 'p99', 'heap', 'rss', 'cpu', 'pgCpu', 'wal');
  const saturated: string[] = [];
  // Warm-up (JIT, pool connections), not reported.
  for (const kind of ['bare', 'service'] as const) await ramp(ctx.server(kind), tokens.slice(0, 300), rate);
  for (let repeat = 0; repeat < ctx.options.repeats; repeat++) {
    for (const kind of ctx.order(repeat)) {
      // Only this server runs between the snapshots (see walPosition for what WAL counts).
      const before = await cpuSnapshot(ctx, kind);
      const result = await ramp(ctx.server(kind), tokens, rate);
      const cost = cpuPerEvent(before, await cpuSnapshot(ctx, kind), Math.max(result.connected, 1));
      ctx.log(
        `  ${kind} #${repeat + 1}: ${result.connected} connected, ${result.failures} failed` +
          `${result.firstFailure ? ` (${result.firstFailure})` : ''}, p50 ${result.p50.toFixed(1)} ms, ` +
          `p99 ${result.p99.toFixed(1)} ms, heap ${result.heapPerSocketKb.toFixed(1)} KB/socket, ` +
          `RSS ${result.rssPerSocketKb.toFixed(1)} KB/socket, generator ${result.generatorCpuCores.toFixed(2)} cores`,
      );
      ctx.detail(`connect.${kind}`, result);
      if (result.generatorSaturated) saturated.push(result.generatorSaturated);
      figures.failures[kind].push(result.failures);
      figures.p50[kind].push(result.p50);
      figures.p99[kind].push(result.p99);
      figures.heap[kind].push(result.heapPerSocketKb);
      figures.rss[kind].push(result.rssPerSocketKb);
      figures.cpu[kind].push(result.cpuPerConnectMs);
      figures.pgCpu[kind].push(cost.pgUs);
      figures.wal[kind].push(cost.walBytes);
    }
  }
  const at = `${count} sockets at ${rate}/s`;
  const note = saturated.length ? `the generator saturated: ${saturated[0]}` : undefined;
  ctx.rows.push(
    {
      scenario: 'connect',
      metric: `failures, ${at}`,
      unit: 'sockets',
      ...figures.failures,
      target: { kind: 'equals', value: 0 },
      note,
    },
    { scenario: 'connect', metric: 'connect p50', unit: 'ms', ...figures.p50, note },
    { scenario: 'connect', metric: 'connect p99', unit: 'ms', ...figures.p99, note },
    {
      scenario: 'connect',
      metric: 'heap per idle socket',
      unit: 'KB',
      ...figures.heap,
      target: { kind: 'ratio-at-most', value: 1.3 },
    },
    { scenario: 'connect', metric: 'RSS per idle socket', unit: 'KB', ...figures.rss },
    { scenario: 'connect', metric: 'server CPU per connect (process only)', unit: 'ms', ...figures.cpu },
    {
      scenario: 'connect',
      metric: 'PostgreSQL CPU per connect (and its disconnect)',
      unit: 'µs',
      ...figures.pgCpu,
    },
    {
      scenario: 'connect',
      metric: 'WAL per connect (cluster-wide, one server running)',
      unit: 'bytes',
      ...figures.wal,
    },
  );
}
