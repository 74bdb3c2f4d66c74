import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { startApp, TestApp } from './app.fixture';
import { MANY_REQUESTS } from './messages.helpers';
import { adaptersSubscribed } from './redis.server';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

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

/** A Redis prefix of a cluster's own: parallel runs on the same Redis never hear each other. */
const newPrefix = (): string => `test-${randomBytes(6).toString('hex')}`;

/**
 * Starts two instances (with `extra` in their environment) and resolves once both Socket.IO
 * adapters listen (they subscribe asynchronously at start; events published before are lost).
 */
export async function startPair(extra: Record<string, string> = {}, prefix = newPrefix()): Promise<AppPair> {
  const env = { ...MANY_REQUESTS, ...extra, REDIS_URL, REDIS_KEY_PREFIX: prefix };
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

export interface Cluster {
  /** The two instances, on one database and one Redis. */
  apps: () => [TestApp, TestApp];
  /** A client of the shared Redis. */
  redis: () => Redis;
  /** The Redis key and channel prefix of the two (for a third instance joining them). */
  prefix: string;
}

/** startPair() for a whole suite: started before its tests, closed after them. */
export function useTwoInstances(env: Record<string, string> = {}): Cluster {
  const prefix = newPrefix();
  let pair: AppPair | undefined;
  beforeAll(async () => {
    pair = await startPair(env, prefix);
  }, 30_000);
  afterAll(() => pair?.close());

  const started = (): AppPair => {
    if (pair === undefined)
      throw new Error('the instances have not started yet: use them in a hook or a test');
    return pair;
  };
  return { apps: () => [started().a, started().b], redis: () => started().redis, prefix };
}
