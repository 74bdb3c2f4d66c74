import type { Redis } from 'ioredis';
import { ChildProcess, spawn } from 'node:child_process';
import { freePort } from './free-port.util';

/** A redis-server of the test's own, on a free port, that the test may kill and start again. */
export interface PrivateRedis {
  url: string;
  /** Kills the server (SIGKILL, by the PID this helper started), as a crash or a lost host would. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const redis: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
    async start() {
      child = await spawnRedis(port);
    },
  };
  await redis.start();
  return redis;
}

function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept connections')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
    child.once('error', reject);
  });
}

/**
 * Resolves once `count` instances' Socket.IO Redis adapters listen under `prefix`: they subscribe
 * asynchronously at start, and events published before that are lost.
 */
export async function adaptersSubscribed(redis: Redis, prefix: string, count = 2): Promise<void> {
  const channel = `${prefix}:socket.io-request#/#`;
  for (let attempt = 0; attempt < 100; attempt++) {
    const [, subscribers] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
    if (Number(subscribers) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${count} adapters never subscribed under ${prefix}`);
}
