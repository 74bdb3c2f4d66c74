import type { Redis } from 'ioredis';
import type { MessageDto } from '../src/messages/dto/message.dto';
import { OFFLINE_DELAY_MS } from '../src/realtime/presence.service';
import { RealtimeServer } from '../src/realtime/realtime.server';
import { startApp, TestApp } from './support/app.fixture';
import { ChatBody, createChat, removeMember } from './support/chats.helpers';
import { REDIS_URL, useTwoInstances } from './support/cluster.fixture';
import { API, MANY_REQUESTS, send } from './support/messages.helpers';
import {
  ClientSocket,
  closeSockets,
  connectAs,
  EventLog,
  request,
  waitForEvent,
} from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

/**
 * Two instances of the service on one database and one Redis behave as one: every event and
 * every room change made through one reaches the sockets connected to the other.
 */
describe('realtime across two instances (e2e)', () => {
  const cluster = useTwoInstances(MANY_REQUESTS);
  const prefix = cluster.prefix;
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  const favorites = new Map<number, ChatBody>();

  beforeAll(() => {
    [a, b] = cluster.apps();
    redis = cluster.redis();
  });
  afterEach(() => closeSockets());

  /** Polls a condition on shared state (Redis) until it holds, for at most ~5 s. */
  async function until(condition: () => Promise<boolean>): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the condition never held');
  }

  /**
   * Waits for a marker message in the user's favorites chat, sent through `through` (instance A
   * unless given). An instance publishes to Redis on one connection and every other instance reads
   * its messages in that order, so once the marker reaches a socket on another instance, so has
   * everything that instance published before it (events and room changes).
   */
  async function barrier(user: TestUser, socket: ClientSocket, through: TestApp = a): Promise<void> {
    let chat = favorites.get(user.id);
    if (!chat) {
      chat = await createChat(a, user, []);
      favorites.set(user.id, chat);
    }
    const marker = `barrier ${Math.random()}`;
    const arrived = waitForEvent(socket, 'message:new', 5000, (m) => m.content === marker);
    await send(through, user, chat.id, marker);
    await arrived;
  }

  let owner: TestUser;
  let member: TestUser;
  let outsider: TestUser;
  let chat: ChatBody;

  beforeEach(async () => {
    [owner, member, outsider] = await Promise.all([registerUser(a), registerUser(a), registerUser(b)]);
    chat = await createChat(a, owner, [member]);
  });

  it('delivers a message sent through a socket on A to sockets on B, the sender’s own included', async () => {
    const [senderOnA, senderOnB, memberOnB] = await Promise.all([
      connectAs(a, owner),
      connectAs(b, owner),
      connectAs(b, member),
    ]);
    const arrivals = [senderOnB, memberOnB].map((socket) => waitForEvent(socket, 'message:new'));
    const ack = await request(senderOnA, 'message:send', { chat_id: chat.id, content: 'from A' });
    if (!ack.ok) throw new Error('send failed');
    for (const payload of await Promise.all(arrivals)) expect(payload).toEqual(ack.data);
  });

  it('delivers a message posted over REST on B to a socket on A', async () => {
    const memberOnA = await connectAs(a, member);
    const arrived = waitForEvent(memberOnA, 'message:new');
    const message = await send(b, owner, chat.id, 'from B over REST');
    expect(await arrived).toEqual(message);
  });

  it('joins the sockets on B of a member added through A, at once', async () => {
    const outsiderOnB = await connectAs(b, outsider);
    const added = waitForEvent(outsiderOnB, 'member:added');
    await a.http().post(`${API}/chats/${chat.id}/members/${outsider.id}`).set(owner.auth).expect(201);
    expect(await added).toEqual({
      chat_id: chat.id,
      member: expect.objectContaining({ user_id: outsider.id }),
    });
    const next = waitForEvent(outsiderOnB, 'message:new');
    await send(a, owner, chat.id, 'welcome across instances');
    expect(await next).toMatchObject({ chat_id: chat.id, content: 'welcome across instances' });
  });

  it('takes the sockets on B of a member removed through A out of the room, at once', async () => {
    const memberOnB = await connectAs(b, member);
    const log = new EventLog(memberOnB);
    const told = waitForEvent(memberOnB, 'member:removed');
    await removeMember(a, chat.id, owner, member);
    expect(await told).toEqual({ chat_id: chat.id, user_id: member.id });
    await send(a, owner, chat.id, 'after the removal');
    await barrier(member, memberOnB);
    expect(log.named('message:new').filter((m) => (m as MessageDto).chat_id === chat.id)).toEqual([]);
  });

  it('joins the members’ sockets on B to a chat created through A, before chat:created', async () => {
    const memberOnB = await connectAs(b, member);
    const created = waitForEvent(memberOnB, 'chat:created');
    const fresh = await createChat(a, owner, [member], { chat_type: 'keeper' });
    expect(await created).toMatchObject({ id: fresh.id, my_role: 'member' });
    const next = waitForEvent(memberOnB, 'message:new');
    await send(a, owner, fresh.id, 'first');
    expect(await next).toMatchObject({ chat_id: fresh.id });
  });

  it('empties the room on every instance when a chat is deleted', async () => {
    const [memberOnA, memberOnB] = await Promise.all([connectAs(a, member), connectAs(b, member)]);
    const io = a.app.get(RealtimeServer).io;
    expect(await io.in(`chat:${chat.id}`).fetchSockets()).toHaveLength(2);
    const told = [memberOnA, memberOnB].map((socket) => waitForEvent(socket, 'chat:deleted'));
    await b.http().delete(`${API}/chats/${chat.id}`).set(owner.auth).expect(204);
    await Promise.all(told);
    // B published chat:deleted, then the room's socketsLeave: A may hand the event to its socket
    // before it has read the second message. Anything B publishes later arrives after both.
    await barrier(member, memberOnA, b);
    expect(await io.in(`chat:${chat.id}`).fetchSockets()).toHaveLength(0);
  });

  it('sends typing across instances, except to the typist’s sockets', async () => {
    const [typistOnA, typistOnB, memberOnB] = await Promise.all([
      connectAs(a, owner),
      connectAs(b, owner),
      connectAs(b, member),
    ]);
    const typistLog = new EventLog(typistOnB);
    const seen = waitForEvent(memberOnB, 'typing');
    await request(typistOnA, 'typing', { chat_id: chat.id, is_typing: true });
    expect(await seen).toEqual({ chat_id: chat.id, user_id: owner.id, is_typing: true });
    await barrier(owner, typistOnB);
    expect(typistLog.named('typing')).toEqual([]);
  });

  it('counts presence across instances: online at the first socket anywhere, offline after the last', async () => {
    const watcherOnA = await connectAs(a, owner);
    const log = new EventLog(watcherOnA);
    const online = waitForEvent(watcherOnA, 'presence', 5000, (e) => e.user_id === member.id);
    const onB = await connectAs(b, member);
    expect(await online).toEqual({ user_id: member.id, online: true, last_seen_at: expect.any(String) });

    const onA = await connectAs(a, member);
    onB.disconnect();
    // Still connected through A: B's instance counts one socket left and schedules no offline.
    await until(async () => (await redis.get(`${prefix}:presence:${member.id}:sockets`)) === '1');
    expect(await redis.exists(`${prefix}:presence:${member.id}:offline-at`)).toBe(0);

    const offline = waitForEvent(watcherOnA, 'presence', OFFLINE_DELAY_MS + 5000, (e) => !e.online);
    const lastDisconnect = Date.now();
    onA.disconnect();
    const announced = await offline;
    expect(announced).toEqual({ user_id: member.id, online: false, last_seen_at: expect.any(String) });
    expect(Date.parse(announced.last_seen_at)).toBeGreaterThanOrEqual(lastDisconnect - 1000);
    expect(log.named('presence').filter((e) => (e as { user_id: number }).user_id === member.id)).toEqual([
      { user_id: member.id, online: true, last_seen_at: expect.any(String) },
      announced,
    ]);
  }, 20_000);

  it('announces the users of an instance that shuts down once they stay away, and before it is closed', async () => {
    const c = await startApp({ ...MANY_REQUESTS, REDIS_URL, REDIS_KEY_PREFIX: prefix });
    const watcherOnA = await connectAs(a, owner);
    const online = waitForEvent(watcherOnA, 'presence', 5000, (e) => e.user_id === member.id && e.online);
    await connectAs(c, member);
    await online;
    const offline = waitForEvent(watcherOnA, 'presence', OFFLINE_DELAY_MS + 5000, (e) => !e.online);
    const log = new EventLog(watcherOnA);
    await c.close();
    // The shutdown waited for the pending offline: it was published before close() returned.
    await barrier(owner, watcherOnA);
    expect(log.named('presence')).toEqual([
      { user_id: member.id, online: false, last_seen_at: expect.any(String) },
    ]);
    await offline;
  }, 20_000);
});
