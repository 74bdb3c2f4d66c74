import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import supertest from 'supertest';
import type { MessageDto } from '../src/messages/dto/message.dto';
import type { TestApp } from './support/app.fixture';
import { createChat } from './support/chats.helpers';
import { API } from './support/messages.helpers';
import { PrivateRedis, startPrivateRedis } from './support/redis.server';
import { buildService, removeBuild, ServiceProcess, startService } from './support/service-process.fixture';
import {
  ClientSocket,
  closeSockets,
  connectAs,
  EventLog,
  request,
  waitForEvent,
} from './support/sockets.helpers';
import { registerUser } from './support/users.helpers';

/**
 * Longer than ioredis's default retries (20 reconnect attempts, some 10.5 s), after which the
 * adapter's unhandled publish failures used to end the process.
 */
const OUTAGE_MS = 12_000;
const SEND_EVERY_MS = 250;

/**
 * Redis killed under a steady send load, then started again on the same port: both instances of
 * the built service stay up, sends keep being acknowledged and delivered to the sockets of the
 * instance they were sent through, readiness stays 200 (degraded), and delivery between the
 * instances resumes by itself once Redis is back; what the other instance's sockets missed is in
 * chat:sync.
 */
describe('Redis killed and restarted (e2e)', () => {
  let build: string;
  let redis: PrivateRedis;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let appA: TestApp;
  let appB: TestApp;
  const prefix = `test-${randomBytes(6).toString('hex')}`;

  /** What the test helpers need of an app: its origin and an HTTP client for it. */
  const asApp = (service: ServiceProcess): TestApp =>
    ({ origin: service.origin, http: () => supertest(service.origin) }) as unknown as TestApp;

  beforeAll(async () => {
    [build, redis] = await Promise.all([buildService(), startPrivateRedis()]);
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, LOG_LEVEL: 'info' };
    [a, b] = await Promise.all([startService(build, env), startService(build, env)]);
    [appA, appB] = [asApp(a), asApp(b)];
  }, 180_000);

  afterAll(async () => {
    closeSockets();
    for (const service of [a, b]) {
      if (service?.child.exitCode === null) {
        service.child.kill('SIGKILL');
        await service.exited;
      }
    }
    await redis?.kill();
    await removeBuild(build);
  });

  /** The adapters of both instances listen (they subscribe asynchronously, again after a reconnect). */
  async function bothSubscribed(): Promise<void> {
    const client = new Redis(redis.url);
    try {
      for (let attempt = 0; attempt < 100; attempt++) {
        const [, count] = (await client.pubsub('NUMSUB', `${prefix}:socket.io-request#/#`)) as [
          string,
          number,
        ];
        if (Number(count) >= 2) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('the instances never subscribed');
    } finally {
      client.disconnect();
    }
  }

  it('keeps both processes up and serving, and resumes delivery between them by itself', async () => {
    await bothSubscribed();
    const [alice, carol, bob] = await Promise.all([
      registerUser(appA, 'alice'),
      registerUser(appA, 'carol'),
      registerUser(appB, 'bob'),
    ]);
    const chatId = (await createChat(appA, alice, [carol, bob])).id;
    const [aliceSocket, carolSocket, bobSocket] = await Promise.all([
      connectAs(appA, alice),
      connectAs(appA, carol),
      connectAs(appB, bob),
    ]);
    const send = (socket: ClientSocket, content: string) =>
      request(socket, 'message:send', { chat_id: chatId, content, client_message_id: randomUUID() }, 10_000);
    const delivered = (socket: ClientSocket, content: string, timeoutMs = 5000) =>
      waitForEvent(socket, 'message:new', timeoutMs, (message) => message.content === content);

    // Before: a send through A reaches B's socket.
    const before = delivered(bobSocket, 'before');
    expect((await send(aliceSocket, 'before')).ok).toBe(true);
    await before;

    await redis.kill();
    const killedAt = performance.now();
    const bobLog = new EventLog(bobSocket);
    const sent: MessageDto[] = [];
    let slowestAck = 0;
    for (let i = 0; performance.now() - killedAt < OUTAGE_MS; i++) {
      const content = `during ${i}`;
      const local = delivered(carolSocket, content);
      const started = performance.now();
      const ack = await send(aliceSocket, content);
      slowestAck = Math.max(slowestAck, performance.now() - started);
      expect(ack).toEqual({ ok: true, data: expect.objectContaining({ content }) });
      if (ack.ok) sent.push(ack.data);
      await local;
      if (i % 8 === 0) {
        // REST, a new socket and readiness on both instances, while Redis is away.
        await appA.http().get(`${API}/chats`).set(alice.auth).expect(200);
        await appB.http().get(`${API}/chats`).set(bob.auth).expect(200);
        (await connectAs(appA, carol)).disconnect();
        const ready = await appB.http().get('/health/ready').expect(200);
        expect(ready.body).toMatchObject({ status: 'degraded', details: { redis: { status: 'degraded' } } });
      }
      await new Promise((resolve) => setTimeout(resolve, SEND_EVERY_MS));
    }
    expect(sent.length).toBeGreaterThan(OUTAGE_MS / (SEND_EVERY_MS + 1000));
    expect(slowestAck).toBeLessThan(3000);
    expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]);

    await redis.start();
    const restartedAt = performance.now();
    // Delivery from A to B's socket resumes by itself: probe until a marker gets through.
    for (let probe = 0; ; probe++) {
      const content = `after ${probe}`;
      const arrival = delivered(bobSocket, content, 1000);
      expect((await send(aliceSocket, content)).ok).toBe(true);
      try {
        await arrival;
        break;
      } catch (error) {
        if (performance.now() - restartedAt > 15_000) throw error;
      }
    }
    const resumedMs = performance.now() - restartedAt;
    expect(resumedMs).toBeLessThan(15_000);
    await bothSubscribed();
    expect((await appA.http().get('/health/ready').expect(200)).body).toMatchObject({ status: 'ok' });

    // What B's socket missed meanwhile is in chat:sync.
    const missed = sent.filter(
      (message) => !bobLog.named('message:new').some((m) => (m as MessageDto).id === message.id),
    );
    const sync = await request(bobSocket, 'chat:sync', { chat_id: chatId, after_seq: sent[0].seq - 1 });
    expect(sync.ok).toBe(true);
    const synced = sync.ok ? (sync.data as { items: MessageDto[] }).items.map((m) => m.id) : [];
    expect(synced).toEqual(expect.arrayContaining(missed.map((m) => m.id)));

    expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]);
    await a.logged((line) => line.msg.startsWith('Redis is back'));
    const logs = a.logs();
    expect(logs.filter((line) => /Unhandled|Uncaught/.test(line.msg))).toEqual([]);
    expect(logs.some((line) => line.msg.startsWith('Redis publish failed'))).toBe(true);
    expect(logs.some((line) => line.msg.startsWith('Redis is back'))).toBe(true);
    process.stdout.write(
      `Redis outage ${OUTAGE_MS} ms: ${sent.length} sends acknowledged, slowest ack ${Math.round(slowestAck)} ms, ` +
        `delivery between instances resumed ${Math.round(resumedMs)} ms after the restart\n`,
    );
  }, 120_000);
});
