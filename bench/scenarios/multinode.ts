import { Redis } from 'ioredis';
import { spawn } from 'node:child_process';
import type { Socket } from 'socket.io-client';
import type { BenchContext } from '../lib/context';
import { perServer } from '../lib/report';
import { MessageLoad, Participant, stepPassed } from '../lib/message-load';
import { fanoutPopulation } from '../lib/population';
import { freePort, ServerProcess } from '../lib/processes';
import { closeAll, connectAll } from '../lib/sockets';
import { loadChats } from './fanout';

/** A Redis of the bench's own, so that no other test's pub/sub traffic meets ours. */
async function startRedis(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.quit();
      break;
    } catch (error) {
      probe.disconnect();
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { url, stop: () => child.kill('SIGTERM') };
}

/**
 * Two instances sharing Redis: in chats of 10 members, half the members on each instance and
 * the senders all on the first; the delivery latency to the second instance's sockets against
 * the first's, in the same run, at half the bare baseline's single-instance knee.
 */
export async function multinode(ctx: BenchContext): Promise<void> {
  const population = await fanoutPopulation(ctx);
  const group = population.groups.find((g) => g.members === 10)!;
  const redis = await startRedis();
  const servers: ServerProcess[] = [];
  const sockets: Socket[] = [];
  try {
    const env = { REDIS_URL: redis.url };
    const pairs = {
      service: [await ctx.startService('service-a', env), await ctx.startService('service-b', env)],
      bare: [await ctx.startBare('bare-a', env), await ctx.startBare('bare-b', env)],
    };
    servers.push(...pairs.service, ...pairs.bare);
    const chats = loadChats(group).map((chat) => ({
      ...chat,
      senders: chat.members.slice(0, chat.members.length / 2),
    }));
    const onA = new Set(chats.flatMap((chat) => chat.senders));
    const loads: Record<'bare' | 'service', MessageLoad> = {} as never;
    for (const kind of ['bare', 'service'] as const) {
      const [a, b] = pairs[kind];
      const participants: Participant[] = [];
      for (const [index, user] of population.users.entries()) {
        const side = onA.has(index) ? a : b;
        const [socket] = await connectAll(side.origin, [user.token], 1);
        sockets.push(socket);
        participants.push({ socket, group: onA.has(index) ? 'same' : 'cross' });
      }
      loads[kind] = new MessageLoad(participants, `${ctx.runTag}m${kind[0]}`);
      await loads[kind].step(chats, 100, 1000, 2000); // warm-up
    }
    const rate = (ctx.shared.get('knee.bare.10') ?? (ctx.options.quick ? 400 : 800)) / 2;
    const holdMs = ctx.options.quick ? 2000 : 6000;
    const figures = perServer('same', 'cross', 'added');
    const problems: string[] = [];
    for (let repeat = 0; repeat < ctx.options.repeats; repeat++) {
      for (const kind of ctx.order(repeat)) {
        const step = await loads[kind].step(chats, rate, holdMs, 3000);
        const same = step.e2eByGroup.same.p99;
        const cross = step.e2eByGroup.cross.p99;
        ctx.log(
          `  ${kind} #${repeat + 1} at ${rate.toFixed(0)}/s: same-instance p99 ${same.toFixed(1)} ms, ` +
            `cross-instance p99 ${cross.toFixed(1)} ms, lost ${step.lost}, failed ${step.failed}` +
            `${loads[kind].lastError ? ` (${loads[kind].lastError})` : ''}`,
        );
        ctx.detail(`multinode.${kind}`, step);
        if (!stepPassed(step, Number.POSITIVE_INFINITY)) {
          problems.push(`${kind}: lost ${step.lost}, failed ${step.failed}, ${step.generator.reason ?? ''}`);
        }
        figures.same[kind].push(same);
        figures.cross[kind].push(cross);
        figures.added[kind].push(cross - same);
      }
    }
    const at = `at ${rate.toFixed(0)} msg/s, chats of 10`;
    const note = problems.length ? problems.join('; ') : undefined;
    ctx.rows.push(
      {
        scenario: 'multinode',
        metric: `same-instance delivery p99, ${at}`,
        unit: 'ms',
        ...figures.same,
        note,
      },
      {
        scenario: 'multinode',
        metric: `cross-instance delivery p99, ${at}`,
        unit: 'ms',
        ...figures.cross,
        note,
      },
      {
        scenario: 'multinode',
        metric: 'added by crossing instances (p99 cross − p99 same)',
        unit: 'ms',
        ...figures.added,
        target: { kind: 'at-most', value: 5 },
        note,
      },
    );
  } finally {
    closeAll(sockets);
    await Promise.all(servers.map((server) => server.stop()));
    redis.stop();
  }
}
