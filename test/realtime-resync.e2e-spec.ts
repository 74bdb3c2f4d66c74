import { Redis } from 'ioredis';
import type { MessageDto } from '../src/messages/dto/message.dto';
import { OFFLINE_DELAY_MS } from '../src/realtime/presence.service';
import { RealtimeRedis } from '../src/realtime/realtime-redis.client';
import { RealtimeServer } from '../src/realtime/realtime.server';
import { RoomResync } from '../src/realtime/room-resync.service';
import { startApp, TestApp } from './support/app.fixture';
import { ChatBody, createChat, removeMember } from './support/chats.helpers';
import { API, MANY_REQUESTS, send } from './support/messages.helpers';
import { PrivateRedis, startPrivateRedis } from './support/redis.server';
import { buildService, removeBuild, ServiceProcess, startService } from './support/service-process.fixture';
import { ClientSocket, closeSockets, connectAs, EventLog, waitForEvent } from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

const PREFIX = 'resync';
const INSTANCE_TIMEOUT_SECONDS = 3;

/**
 * Two instances on one database and a Redis of the test's own, which it kills and starts again:
 * what was lost while Redis was away (room changes, presence counts) is rebuilt when it returns,
 * and the users of an instance that dies without a word go offline in bounded time.
 */
describe('rooms and presence across a Redis outage and a dead instance (e2e)', () => {
  let redis: PrivateRedis;
  let a: TestApp;
  let b: TestApp;
  const env = (url: string) => ({
    ...MANY_REQUESTS,
    REDIS_URL: url,
    REDIS_KEY_PREFIX: PREFIX,
    PRESENCE_INSTANCE_TIMEOUT_SECONDS: String(INSTANCE_TIMEOUT_SECONDS),
  });

  beforeAll(async () => {
    redis = await startPrivateRedis();
    [a, b] = await Promise.all([startApp(env(redis.url)), startApp(env(redis.url))]);
    await subscribed(2);
  }, 30_000);
  afterEach(() => closeSockets());
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.kill();
  });

  async function withRedis<T>(use: (client: Redis) => Promise<T>): Promise<T> {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      return await use(client);
    } finally {
      client.disconnect();
    }
  }

  /** The adapters (re)subscribe asynchronously; events published before that are lost. */
  async function subscribed(count: number): Promise<void> {
    await until(() =>
      withRedis(async (client) => {
        const [, subscribers] = (await client.pubsub('NUMSUB', `${PREFIX}:socket.io-request#/#`)) as [
          string,
          number,
        ];
        return Number(subscribers) >= count;
      }),
    );
  }

  /** Polls a condition on shared or in-process state until it holds, for at most ~10 s. */
  async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the condition never held');
  }

  /** Waits for a marker message in a chat of the user's own, sent through instance A. */
  async function barrier(user: TestUser, socket: ClientSocket): Promise<void> {
    const chat = await createChat(a, user, []);
    const marker = `barrier ${Math.random()}`;
    const arrived = waitForEvent(socket, 'message:new', 5000, (m) => m.content === marker);
    await send(a, user, chat.id, marker);
    await arrived;
  }

  const localRoom = async (t: TestApp, chat: ChatBody): Promise<string[]> =>
    (await t.app.get(RealtimeServer).io.local.in(`chat:${chat.id}`).fetchSockets()).map((s) => s.id);

  it('rebuilds the rooms on B from PostgreSQL when Redis returns: the removed member is out, the added one in', async () => {
    const [owner, member, newcomer] = await Promise.all([registerUser(a), registerUser(a), registerUser(a)]);
    const chat = await createChat(a, owner, [member]);
    const [memberOnB, newcomerOnB] = await Promise.all([connectAs(b, member), connectAs(b, newcomer)]);
    const log = new EventLog(memberOnB);
    expect(await localRoom(b, chat)).toEqual([memberOnB.id]);

    await redis.kill();
    // What A publishes while Redis is away is lost (a publication is not queued for ever:
    // the client gives up on it, and the service drops it), whatever the client's queueing.
    const pub = a.app.get(RealtimeRedis).pub!;
    const publish = jest.spyOn(pub, 'publish').mockResolvedValue(0);
    try {
      await removeMember(a, chat.id, owner, member);
      await a.http().post(`${API}/chats/${chat.id}/members/${newcomer.id}`).set(owner.auth).expect(201);
      expect(publish).toHaveBeenCalled();
    } finally {
      publish.mockRestore();
    }
    expect(await localRoom(b, chat)).toEqual([memberOnB.id]);

    const resync = b.app.get(RoomResync);
    const before = resync.completed;
    await redis.start();
    await subscribed(2);
    await until(() => resync.completed > before);

    expect(await localRoom(b, chat)).toEqual([newcomerOnB.id]);
    const welcome = waitForEvent(newcomerOnB, 'message:new', 5000, (m) => m.chat_id === chat.id);
    await send(a, owner, chat.id, 'after the outage');
    expect(await welcome).toMatchObject({ chat_id: chat.id, content: 'after the outage' });
    await barrier(member, memberOnB);
    expect(log.named('message:new').filter((m) => (m as MessageDto).chat_id === chat.id)).toEqual([]);
  }, 30_000);

  it('counts again the sockets B still has when Redis returns empty', async () => {
    const [watcher, member] = await Promise.all([registerUser(a), registerUser(a)]);
    await createChat(a, watcher, [member]);
    const [first] = await Promise.all([connectAs(b, member), connectAs(b, member)]);
    const count = () => withRedis((client) => client.get(`${PREFIX}:presence:${member.id}:sockets`));
    await until(async () => (await count()) === '2');

    await redis.kill();
    await redis.start();
    await subscribed(2);
    await until(async () => (await count()) === '2');

    // One socket left: no offline pending, as there would be for a count that restarted at zero.
    first.disconnect();
    await until(async () => (await count()) === '1');
    expect(await withRedis((client) => client.exists(`${PREFIX}:presence:${member.id}:offline-at`))).toBe(0);
  }, 30_000);

  it('announces the users of an instance killed with SIGKILL offline, within the bounded time', async () => {
    const [watcher, member] = await Promise.all([registerUser(a), registerUser(a)]);
    await createChat(a, watcher, [member]);
    const build = await buildService();
    let service: ServiceProcess | undefined;
    try {
      service = await startService(build, env(redis.url));
      await subscribed(3);
      const watcherOnA = await connectAs(a, watcher);
      const online = waitForEvent(watcherOnA, 'presence', 5000, (e) => e.user_id === member.id && e.online);
      await connectAs({ origin: service.origin } as TestApp, member);
      await online;

      // Killed, the instance never uncounts its socket: another one takes its count back.
      const bound = INSTANCE_TIMEOUT_SECONDS * 1000 * (4 / 3) + OFFLINE_DELAY_MS;
      const offline = waitForEvent(watcherOnA, 'presence', bound + 5000, (e) => e.user_id === member.id);
      const killedAt = Date.now();
      service.child.kill('SIGKILL');
      await service.exited;
      const announced = await offline;
      expect(announced).toEqual({ user_id: member.id, online: false, last_seen_at: expect.any(String) });
      expect(Date.now() - killedAt).toBeLessThan(bound + 1000);
      // Last seen: the dead instance's last heartbeat.
      expect(Date.parse(announced.last_seen_at)).toBeLessThanOrEqual(killedAt);
      expect(Date.parse(announced.last_seen_at)).toBeGreaterThan(
        killedAt - (INSTANCE_TIMEOUT_SECONDS * 1000) / 3 - 1000,
      );
    } finally {
      if (service?.child.exitCode === null && service.child.signalCode === null) {
        service.child.kill('SIGKILL');
        await service.exited;
      }
      await removeBuild(build);
    }
  }, 90_000);
});
