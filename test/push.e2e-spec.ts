import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { ErrorBody } from '../src/common/http/error-status.mapping';
import { startApp, TestApp } from './support/app.fixture';
import { ownDatabase } from './support/test-database.fixture';
import { createChat } from './support/chats.helpers';
import { API, MANY_REQUESTS, postMessage, send } from './support/messages.helpers';
import { BrowserSubscription, LocalPushService, startPushService } from './support/push-service.fixture';
import { pause, setNotifications, subscribePush } from './support/push.helpers';
import { closeSockets, connectAs, request } from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Web Push for members who are not online (issue 16), on two instances sharing one database and
 * one Redis, against a local push service that decrypts every push and verifies its VAPID token.
 */
describe('Web Push (e2e)', () => {
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  let push: LocalPushService;
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;

  let database: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    push = await startPushService();
    // A database of its own: its push queues hold only this suite's jobs (ownDatabase).
    database = await ownDatabase('chat_push');
    const env = {
      DATABASE_URL: database.url,
      ...MANY_REQUESTS,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      PUSH_ENDPOINT_HOSTS: push.host,
      PUSH_COALESCE_MS: '300',
      PUSH_POLL_INTERVAL_MS: '500',
    };
    [a, b] = await Promise.all([startApp(env), startApp(env)]);
    redis = new Redis(REDIS_URL);
  }, 30_000);
  afterEach(() => closeSockets());
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    await push?.close();
    await database?.drop();
  });
  afterEach(() => expect(push.rejected).toEqual([]));

  /** Waits until the user's socket count across instances (Redis) is `count`. */
  async function socketsCounted(user: TestUser, count: number): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      if (Number((await redis.get(`${prefix}:presence:${user.id}:sockets`)) ?? 0) === count) return;
      await pause(50);
    }
    throw new Error(`user ${user.id} never had ${count} sockets`);
  }

  async function subscribed(t: TestApp, user: TestUser): Promise<BrowserSubscription> {
    const sub = push.subscribe();
    await subscribePush(t, user, sub);
    return sub;
  }

  it('sends an offline member a decryptable push within 10 s, sent through A after their last socket closed on B', async () => {
    const [owner, member] = await Promise.all([registerUser(a, 'owner', 'Аня'), registerUser(b)]);
    const chat = await createChat(a, owner, [member], { title: 'Рыжий кот с Лесной' });
    const memberSub = await subscribed(b, member);

    const memberOnB = await connectAs(b, member);
    await socketsCounted(member, 1);
    memberOnB.disconnect();
    await socketsCounted(member, 0);

    const ownerOnA = await connectAs(a, owner);
    const sentAt = Date.now();
    const ack = await request(ownerOnA, 'message:send', {
      chat_id: chat.id,
      content: 'Собака вернулась к гаражам',
    });
    if (!ack.ok) throw new Error('send failed');
    const received = await push.waitFor(memberSub, 1, 10_000);
    expect(received.at - sentAt).toBeLessThan(10_000);

    expect(received.payload).toEqual({
      chat_id: chat.id,
      message_id: ack.data.id,
      seq: ack.data.seq,
      chat_title: 'Рыжий кот с Лесной',
      sender_name: 'Аня',
      body: 'Собака вернулась к гаражам',
    });
    expect(received.headers).toMatchObject({
      topic: `chat-${chat.id}`,
      ttl: '86400',
      urgency: 'high',
      'content-encoding': 'aes128gcm',
    });
    const { key } = (await a.http().get(`${API}/push/vapid-public-key`).expect(200)).body as { key: string };
    expect(received.vapid).toMatchObject({
      k: key,
      aud: push.origin,
      sub: expect.stringMatching(/^mailto:/),
    });
  });

  it('sends nothing to an online member nor for one’s own message, and one push for a burst, with the newest', async () => {
    const [owner, online, offline] = await Promise.all([registerUser(a), registerUser(a), registerUser(b)]);
    const chat = await createChat(a, owner, [online, offline]);
    const [ownerSub, onlineSub, offlineSub] = await Promise.all([
      subscribed(a, owner),
      subscribed(b, online),
      subscribed(a, offline),
    ]);
    await connectAs(b, online);
    await socketsCounted(online, 1);

    // The owner (offline: no socket anywhere) sends a burst over REST.
    for (const content of ['one', 'two', 'three']) await send(a, owner, chat.id, content);
    const received = await push.waitFor(offlineSub);
    expect(received.payload).toMatchObject({ chat_id: chat.id, seq: 3, body: 'three' });
    await pause(1500);
    expect(push.pushesOf(offlineSub)).toHaveLength(1);
    expect(push.pushesOf(onlineSub)).toEqual([]);
    expect(push.pushesOf(ownerSub)).toEqual([]);
  });

  it('follows each member’s level: mentions only when mentioned, none never, muted until a future time never', async () => {
    const [owner, all, mentions, none, muted, unmuted] = await Promise.all(
      ['owner', 'all', 'mentions', 'none', 'muted', 'unmuted'].map((name) => registerUser(a, name)),
    );
    const chat = await createChat(a, owner, [all, mentions, none, muted, unmuted]);
    const subs = new Map<TestUser, BrowserSubscription>();
    for (const user of [all, mentions, none, muted, unmuted]) subs.set(user, await subscribed(b, user));

    const future = new Date(Date.now() + 3600_000).toISOString();
    const past = new Date(Date.now() - 60_000).toISOString();
    expect(await setNotifications(a, mentions, chat.id, { level: 'mentions' })).toEqual({
      level: 'mentions',
      muted_until: null,
    });
    expect(await setNotifications(b, none, chat.id, { level: 'none' })).toEqual({
      level: 'none',
      muted_until: null,
    });
    expect(await setNotifications(a, muted, chat.id, { level: 'all', muted_until: future })).toEqual({
      level: 'all',
      muted_until: future,
    });
    await setNotifications(a, unmuted, chat.id, { level: 'all', muted_until: past });

    // Shown on the chat as each member sees it, and nowhere else.
    const seen = await a.http().get(`${API}/chats/${chat.id}`).set(mentions.auth).expect(200);
    expect(seen.body).toMatchObject({ notifications: { level: 'mentions', muted_until: null } });
    const list = await a.http().get(`${API}/chats`).set(muted.auth).expect(200);
    expect((list.body as { items: { id: number }[] }).items.find((c) => c.id === chat.id)).toMatchObject({
      notifications: { level: 'all', muted_until: future },
    });
    const ownerView = await a.http().get(`${API}/chats/${chat.id}`).set(owner.auth).expect(200);
    expect(ownerView.body).toMatchObject({ notifications: { level: 'all', muted_until: null } });

    const plain = await send(a, owner, chat.id, 'no one named');
    await Promise.all([push.waitFor(subs.get(all)!), push.waitFor(subs.get(unmuted)!)]);
    const mentioning = await postMessage(a, owner, chat.id, {
      content: 'you, look',
      mentions: [mentions.id],
    }).expect(201);
    const mention = await push.waitFor(subs.get(mentions)!);
    expect(mention.payload).toMatchObject({
      message_id: (mentioning.body as { id: number }).id,
      body: 'you, look',
    });
    await push.waitFor(subs.get(all)!, 2);
    await pause(1000);
    expect(push.pushesOf(subs.get(all)!).map((p) => p.payload.message_id)).toEqual([
      plain.id,
      (mentioning.body as { id: number }).id,
    ]);
    expect(push.pushesOf(subs.get(mentions)!)).toHaveLength(1);
    expect(push.pushesOf(subs.get(none)!)).toEqual([]);
    expect(push.pushesOf(subs.get(muted)!)).toEqual([]);

    // Back to all, unmuted: pushes again.
    expect(await setNotifications(b, muted, chat.id, { level: 'all', muted_until: null })).toEqual({
      level: 'all',
      muted_until: null,
    });
    await send(a, owner, chat.id, 'again');
    expect((await push.waitFor(subs.get(muted)!)).payload).toMatchObject({ body: 'again' });
  });

  it('refuses a bad level or mute, and answers 403 / 404 for chats the caller is not in', async () => {
    const [owner, stranger] = await Promise.all([registerUser(a), registerUser(a)]);
    const chat = await createChat(a, owner, []);
    const put = (user: TestUser, chatId: number, body: object) =>
      a.http().put(`${API}/chats/${chatId}/notifications`).set(user.auth).send(body);
    for (const [body, field] of [
      [{ level: 'loud' }, 'level'],
      [{}, 'level'],
      [{ level: 'all', muted_until: 'tomorrow' }, 'muted_until'],
      [{ level: 'all', muted_until: '2026-12-05T08:00:00' }, 'muted_until'],
      [{ level: 'all', muted_until: 5 }, 'muted_until'],
      [{ level: 'all', extra: true }, 'extra'],
    ] as const) {
      const res = await put(owner, chat.id, body).expect(400);
      expect((res.body as ErrorBody).code).toBe('validation_failed');
      expect(JSON.stringify(res.body)).toContain(field);
    }
    expect(((await put(stranger, chat.id, { level: 'none' }).expect(403)).body as ErrorBody).code).toBe(
      'not_a_member',
    );
    expect(((await put(owner, 2_000_000_000, { level: 'none' }).expect(404)).body as ErrorBody).code).toBe(
      'chat_not_found',
    );
  });

  it('deletes a subscription the push service answers 410, and retries one it answers 500', async () => {
    const [owner, gone, flaky] = await Promise.all([registerUser(a), registerUser(a), registerUser(a)]);
    const chat = await createChat(a, owner, [gone, flaky]);
    const goneSub = await subscribed(a, gone);
    const flakySub = await subscribed(a, flaky);
    push.answer(goneSub.path, 410);
    push.answer(flakySub.path, 500);
    const goneId = (
      await a.db.query('SELECT id FROM push_subscriptions WHERE endpoint = $1', [goneSub.endpoint])
    )[0].id as number;

    await send(a, owner, chat.id, 'are you there');
    for (let attempt = 0; attempt < 200; attempt++) {
      const rows: unknown[] = await a.db.query('SELECT 1 FROM push_subscriptions WHERE id = $1', [goneId]);
      if (rows.length === 0 && (push.attempts.get(flakySub.path) ?? 0) >= 1) break;
      await pause(50);
    }
    expect(await a.db.query('SELECT 1 FROM push_subscriptions WHERE id = $1', [goneId])).toEqual([]);
    expect(push.attempts.get(flakySub.path)).toBe(1);
    push.answer(flakySub.path, 201);
    // pg-boss retries it after its backoff (5 s, then more).
    const retried = await push.waitFor(flakySub, 1, 20_000);
    expect(retried.payload).toMatchObject({ chat_id: chat.id, body: 'are you there' });

    const metrics = await Promise.all(
      [a, b].map(async (t) => (await t.http().get('/metrics').expect(200)).text),
    );
    const total = (outcome: string) =>
      metrics
        .map((text) =>
          Number(new RegExp(`^chat_pushes_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0),
        )
        .reduce((x, y) => x + y, 0);
    expect(total('expired')).toBeGreaterThanOrEqual(1);
    expect(total('failed')).toBeGreaterThanOrEqual(1);
    expect(total('sent')).toBeGreaterThanOrEqual(1);
    expect(metrics[0]).toMatch(/^chat_jobs_queued\{queue="push-deliver"\} \d+/m);
    expect(metrics.join('\n')).toMatch(/^chat_job_latency_seconds_count\{queue="push-fanout"\} \d+/m);
  }, 30_000);

  it('guards subscription endpoints: https on an allowed host and port only; upserts by endpoint; deletes only one’s own', async () => {
    const [user, other] = await Promise.all([registerUser(a), registerUser(a)]);
    const sub = push.subscribe();
    const post = (who: TestUser, body: object) =>
      a.http().post(`${API}/push/subscriptions`).set(who.auth).send(body);
    const port = Number(push.host.split(':')[1]);
    for (const endpoint of [
      `http://127.0.0.1:${port}/push/x`,
      `https://127.0.0.1:${port === 443 ? 444 : 443}/push/x`,
      `https://127.0.0.1/push/x`,
      `https://user:secret@127.0.0.1:${port}/push/x`,
      `https://localhost:${port}/push/x`,
      `https://[::1]:${port}/push/x`,
      'https://fcm.googleapis.com/fcm/send/abc',
      'https://169.254.169.254/latest/meta-data/',
      'not a url',
      `ftp://127.0.0.1:${port}/x`,
    ]) {
      const res = await post(user, { endpoint, keys: sub.keys }).expect(400);
      expect({ endpoint, body: res.body as ErrorBody }).toMatchObject({
        endpoint,
        body: { code: 'validation_failed', details: [{ field: 'endpoint' }] },
      });
    }
    for (const keys of [
      { p256dh: 'abc', auth: sub.keys.auth },
      { p256dh: sub.keys.p256dh, auth: 'x' },
      { p256dh: Buffer.alloc(65, 1).toString('base64url'), auth: sub.keys.auth },
      undefined,
    ]) {
      const res = await post(user, { endpoint: sub.endpoint, keys }).expect(400);
      expect((res.body as ErrorBody).code).toBe('validation_failed');
    }

    for (const expirationTime of [1e20, -1, 'soon', 1.5]) {
      const res = await post(user, { endpoint: sub.endpoint, expirationTime, keys: sub.keys }).expect(400);
      expect(res.body).toMatchObject({ details: [{ field: 'expirationTime' }] });
    }
    const first = await post(user, { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }).expect(
      201,
    );
    const { id } = first.body as { id: number };
    expect(first.body).toEqual({ id: expect.any(Number) });
    const again = await post(user, {
      endpoint: sub.endpoint,
      expirationTime: Date.now() + 86_400_000,
      keys: sub.keys,
    });
    expect(again.status).toBe(201);
    expect(again.body).toEqual({ id });
    const second = await post(user, {
      endpoint: push.subscribe().endpoint,
      keys: push.subscribe().keys,
    }).expect(201);
    expect((second.body as { id: number }).id).not.toBe(id);

    // At most 10 a user: more replace the oldest.
    const later: number[] = [];
    for (let n = 0; n < 10; n++) later.push(await subscribePush(a, other, push.subscribe()));
    const kept: { id: number }[] = await a.db.query(
      'SELECT id FROM push_subscriptions WHERE user_id = $1 ORDER BY id',
      [other.id],
    );
    expect(kept.map((row) => row.id)).toEqual(later);
    await subscribePush(a, other, push.subscribe());
    const after: { id: number }[] = await a.db.query('SELECT id FROM push_subscriptions WHERE user_id = $1', [
      other.id,
    ]);
    expect(after).toHaveLength(10);
    expect(after.map((row) => row.id)).not.toContain(later[0]);

    await a.http().delete(`${API}/push/subscriptions/${id}`).set(other.auth).expect(404);
    await a.http().delete(`${API}/push/subscriptions/abc`).set(user.auth).expect(400);
    await a.http().delete(`${API}/push/subscriptions/${id}`).set(user.auth).expect(204);
    await a.http().delete(`${API}/push/subscriptions/${id}`).set(user.auth).expect(404);
  });

  it('serves one VAPID public key from every instance (kept in the data folder in development)', async () => {
    const [fromA, fromB] = await Promise.all(
      [a, b].map(
        async (t) =>
          ((await t.http().get(`${API}/push/vapid-public-key`).expect(200)).body as { key: string }).key,
      ),
    );
    expect(fromA).toBe(fromB);
    const raw = Buffer.from(fromA, 'base64url');
    expect(raw).toHaveLength(65);
    expect(raw[0]).toBe(4);
  });
});
