import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { startApp, TestApp } from './app.fixture';
import { MANY_REQUESTS } from './messages.helpers';
import { adaptersSubscribed } from './redis.server';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two instances of the app on the run's database and the shared Redis, and a client of that Redis. */
export interface AppPair {
  a: TestApp;
  b: TestApp;
  redis: Redis;
  /** Their REDIS_KEY_PREFIX: one of their own, so that parallel runs on the same Redis never hear each other. */
  prefix: string;
  /** Their environment, for a third instance of the same cluster. */
  env: Record<string, string>;
  /** Closes both instances, deletes the keys under the prefix and quits the client. */
  close(): Promise<void>;
}

/** Starts two instances and resolves once both Socket.IO adapters listen. */
export async function startPair(): Promise<AppPair> {
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  const env = { ...MANY_REQUESTS, REDIS_URL, REDIS_KEY_PREFIX: prefix };
  const [a, b] = await Promise.all([startApp(env), startApp(env)]);
  const redis = new Redis(REDIS_URL);
  await adaptersSubscribed(redis, prefix);
  return {
    a,
    b,
    redis,
    prefix,
    env,
    close: async () => {
      await Promise.all([a.close(), b.close()]);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}
