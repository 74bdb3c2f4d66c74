import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { startApp, TestApp } from './app.fixture';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Cluster {
  /** The two instances, on one database and one Redis. */
  apps: () => [TestApp, TestApp];
  /** A client of the shared Redis. */
  redis: () => Redis;
  /** The Redis key and channel prefix of the two (for a third instance joining them). */
  prefix: string;
}

/**
 * Two instances of the service for a suite, started before its tests with a Redis prefix of
 * their own (parallel runs on the same Redis never hear each other) and once both adapters
 * listen (they subscribe asynchronously at start; events published before that are lost);
 * closed after the suite, their Redis keys removed.
 */
export function useTwoInstances(env: Record<string, string> = {}): Cluster {
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  let apps: [TestApp, TestApp] | undefined;
  let redis: Redis | undefined;

  beforeAll(async () => {
    const shared = { ...env, REDIS_URL, REDIS_KEY_PREFIX: prefix };
    apps = await Promise.all([startApp(shared), startApp(shared)]);
    redis = new Redis(REDIS_URL);
    const channel = `${prefix}:socket.io-request#/#`;
    for (let attempt = 0; ; attempt++) {
      const [, count] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
      if (Number(count) >= 2) break;
      if (attempt === 100) throw new Error('the instances never subscribed');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 30_000);
  afterAll(async () => {
    await Promise.all(apps?.map((app) => app.close()) ?? []);
    if (!redis) return;
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined)
      throw new Error('the instances have not started yet: use them in a hook or a test');
    return value;
  };
  return { apps: () => started(apps), redis: () => started(redis), prefix };
}
