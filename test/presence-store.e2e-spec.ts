import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { RedisPresenceStore } from '../src/realtime/presence.store';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The shared presence counts on a real Redis: each instance's share, heartbeats and reaping. */
describe('RedisPresenceStore (Redis)', () => {
  const prefix = `test-presence-${randomBytes(6).toString('hex')}`;
  const at = '2026-12-02T10:00:00.000Z';
  let redis: Redis;
  const store = (id: string) => new RedisPresenceStore(redis, prefix, id);
  const count = (userId: number) => redis.get(`${prefix}:presence:${userId}:sockets`);

  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('counts a user online while any instance counts them', async () => {
    const [x, y] = [store('x1'), store('y1')];
    await Promise.all([x.sync(new Map()), y.sync(new Map())]);
    expect(await x.connected(1)).toBe(true);
    expect(await y.connected(1)).toBe(false);
    expect(await x.disconnected(1, at)).toBe(false);
    expect(await y.disconnected(1, at)).toBe(true);
    expect(await x.settle(1)).toBe(at);
  });

  it('tells which users have a socket on any instance (who gets no Web Push)', async () => {
    const [x, y] = [store('x9'), store('y9')];
    await Promise.all([x.sync(new Map()), y.sync(new Map())]);
    await x.connected(91);
    await y.connected(92);
    await y.connected(93);
    await y.disconnected(93, at);
    expect(await x.online([91, 92, 93, 94])).toEqual(new Set([91, 92]));
    expect(await y.online([])).toEqual(new Set());
  });

  it('replaces an instance share on sync and reports who came and went', async () => {
    const x = store('x2');
    await x.sync(new Map());
    await x.connected(2);
    await x.connected(3);
    // Updates lost meanwhile: 2 has two sockets here now, 3 none, 4 one.
    expect(
      await x.sync(
        new Map([
          [2, 2],
          [4, 1],
        ]),
      ),
    ).toEqual({ online: [4], offline: [3] });
    expect([await count(2), await count(3), await count(4)]).toEqual(['2', null, '1']);
    expect(await x.settle(3)).toEqual(expect.any(String));
    expect(
      await x.sync(
        new Map([
          [2, 2],
          [4, 1],
        ]),
      ),
    ).toEqual({ online: [], offline: [] });
  });

  it('takes back the share of a silent instance once, dated at its last heartbeat', async () => {
    const [dead, other, reaperA, reaperB] = [store('dead3'), store('other3'), store('a3'), store('b3')];
    await Promise.all([dead.sync(new Map()), other.sync(new Map())]);
    await dead.connected(5);
    await dead.connected(6);
    await other.connected(6);
    // Its last heartbeat long ago; only the first of two reapers gets its users.
    await redis.zadd(`${prefix}:presence:instances`, 1000, 'dead3');
    const reaped = await Promise.all([reaperA.reap(60_000), reaperB.reap(60_000)]);
    expect(reaped.flat()).toEqual([5]);
    expect([await count(5), await count(6)]).toEqual([null, '1']);
    expect(await reaperA.settle(5)).toBe('1970-01-01T00:00:01.000Z');
    expect(await dead.heartbeat()).toBe(false);
    expect(await other.heartbeat()).toBe(true);
  });

  it('registers a live instance that was taken for dead again with its sockets', async () => {
    const live = store('live4');
    await live.sync(new Map());
    await live.connected(7);
    await redis.zadd(`${prefix}:presence:instances`, 1000, 'live4');
    expect(await store('a4').reap(60_000)).toEqual([7]);
    expect(await live.heartbeat()).toBe(false);
    // Back within the offline delay: a blink, no online announced; its count is restored.
    expect(await live.sync(new Map([[7, 1]]))).toEqual({ online: [], offline: [] });
    expect(await count(7)).toBe('1');
    expect(await live.settle(7)).toBeNull();
    expect(await live.heartbeat()).toBe(true);
  });

  it('uncounts nothing for a socket whose share was taken back already', async () => {
    const [reaped, other] = [store('reaped5'), store('other5')];
    await Promise.all([reaped.sync(new Map()), other.sync(new Map())]);
    await reaped.connected(8);
    await other.connected(8);
    await redis.zadd(`${prefix}:presence:instances`, 1000, 'reaped5');
    expect(await store('a5').reap(60_000)).toEqual([]);
    // Still connected through `other`: the socket on the reaped instance closing changes nothing.
    expect(await reaped.disconnected(8, at)).toBe(false);
    expect(await count(8)).toBe('1');
  });
});
