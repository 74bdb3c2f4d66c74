import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { startApp, TestApp } from './support/app.fixture';
import { API, MANY_REQUESTS } from './support/messages.helpers';
import { ban, moderatorName, serverDisconnect, unban } from './support/moderation.helpers';
import { closeSockets, connectAs, refusal, socketFor, waitForEvent } from './support/sockets.helpers';
import { registerNamed, registerUser, TestUser } from './support/users.helpers';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A ban made through one instance, seen by another: the whole point of bans taking effect at once. */
async function expectRefusedEverywhere(user: TestUser, apps: TestApp[]): Promise<void> {
  for (const app of apps) {
    const res = await app.http().get(`${API}/users/me`).set(user.auth);
    expect({ origin: app.origin, status: res.status, code: (res.body as { code?: string }).code }).toEqual({
      origin: app.origin,
      status: 403,
      code: 'banned',
    });
  }
}

describe('bans across two instances (e2e)', () => {
  afterEach(() => closeSockets());

  describe('with Redis', () => {
    const prefix = `test-${randomBytes(6).toString('hex')}`;
    const moderatorUsername = moderatorName();
    let a: TestApp;
    let b: TestApp;
    let redis: Redis;
    let moderator: TestUser;

    beforeAll(async () => {
      // A long database refresh: what B learns within the test comes through Redis.
      const env = {
        ...MANY_REQUESTS,
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        MODERATOR_USERNAMES: moderatorUsername,
        BAN_REFRESH_INTERVAL_SECONDS: '3600',
      };
      [a, b] = await Promise.all([startApp(env), startApp(env)]);
      redis = new Redis(REDIS_URL);
      const channel = `${prefix}:socket.io-request#/#`;
      for (let attempt = 0; attempt < 100; attempt++) {
        const [, count] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
        if (Number(count) >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      moderator = await registerNamed(a, moderatorUsername);
    }, 30_000);
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });

    it("a ban on instance A disconnects the user's sockets on instance B within 2 seconds and their next request anywhere is refused", async () => {
      const user = await registerUser(b);
      const [onB, alsoOnB] = await Promise.all([connectAs(b, user), connectAs(b, user)]);
      const told = waitForEvent(onB, 'auth:banned', 2000);
      const disconnected = Promise.all([serverDisconnect(onB, 2000), serverDisconnect(alsoOnB, 2000)]);
      const started = Date.now();
      await ban(a, moderator, user, { reason: 'spam' }).expect(204);
      expect(await told).toEqual({ message: expect.any(String), until: null });
      expect(await disconnected).toEqual(['io server disconnect', 'io server disconnect']);
      expect(Date.now() - started).toBeLessThan(2000);

      await expectRefusedEverywhere(user, [b, a]);
      const handshake = await refusal(socketFor(b, { auth: { token: user.access_token } }));
      expect(handshake.message).toBe('banned');
      const login = await b
        .http()
        .post(`${API}/auth/login`)
        .send({ username: user.username, password: user.password });
      expect(login.status).toBe(403);

      // Unban through B: A lets the user in again as soon as Redis tells it (milliseconds; the
      // request right after B's answer can arrive before that, so the bound is the ban's 2 s).
      await unban(b, moderator, user).expect(204);
      const unbanned = Date.now();
      let status = 0;
      while (Date.now() - unbanned < 2000) {
        status = (await a.http().get(`${API}/users/me`).set(user.auth)).status;
        if (status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(status).toBe(200);
      await connectAs(a, user);
    });
  });

  describe('without Redis (the database refresh is the fallback)', () => {
    const moderatorUsername = moderatorName();
    let a: TestApp;
    let b: TestApp;
    let moderator: TestUser;

    beforeAll(async () => {
      const env = {
        ...MANY_REQUESTS,
        MODERATOR_USERNAMES: moderatorUsername,
        BAN_REFRESH_INTERVAL_SECONDS: '1',
      };
      [a, b] = await Promise.all([startApp(env), startApp(env)]);
      moderator = await registerNamed(a, moderatorUsername);
    }, 30_000);
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
    });

    it('B finds the ban in PostgreSQL within its refresh interval, refuses the user and drops their sockets', async () => {
      const user = await registerUser(b);
      const onB = await connectAs(b, user);
      const disconnected = serverDisconnect(onB, 3000);
      await ban(a, moderator, user, { reason: 'spam' }).expect(204);
      expect(await disconnected).toBe('io server disconnect');
      await expectRefusedEverywhere(user, [a, b]);
      await unban(a, moderator, user).expect(204);
      await a.http().get(`${API}/users/me`).set(user.auth).expect(200);
      for (let attempt = 0; attempt < 40; attempt++) {
        if ((await b.http().get(`${API}/users/me`).set(user.auth)).status === 200) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('B never lifted the ban');
    });
  });
});
