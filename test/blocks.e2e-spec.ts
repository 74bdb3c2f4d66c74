import type { ErrorBody } from '../src/common/http/error-status.mapping';
import { RoomResync } from '../src/realtime/room-resync.service';
import { startApp, TestApp } from './support/app.fixture';
import { favoritesBarrier } from './support/barrier.helpers';
import { ChatBody, createChat, makeAdmin, removeMember } from './support/chats.helpers';
import { useTwoInstances } from './support/cluster.fixture';
import { expectErrorShape } from './support/errors.helpers';
import { API, BAD_IDS, expectValidation, MANY_REQUESTS, send } from './support/messages.helpers';
import {
  ClientSocket,
  closeSockets,
  connectAs,
  EventLog,
  request,
  serverSocketOf,
  waitForEvent,
} from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

function block(t: TestApp, who: TestUser, whom: { id: number | string }) {
  return t.http().put(`${API}/users/me/blocks/${whom.id}`).set(who.auth);
}

function unblock(t: TestApp, who: TestUser, whom: { id: number | string }) {
  return t.http().delete(`${API}/users/me/blocks/${whom.id}`).set(who.auth);
}

async function blockedBy(t: TestApp, who: TestUser): Promise<number[]> {
  const res = await t.http().get(`${API}/users/me/blocks`).set(who.auth).expect(200);
  return (res.body as { items: { id: number }[] }).items.map((user) => user.id);
}

function createWith(t: TestApp, who: TestUser, others: TestUser[], extra: object = {}) {
  return t
    .http()
    .post(`${API}/chats`)
    .set(who.auth)
    .send({ member_ids: others.map((user) => user.id), ...extra });
}

function addMember(t: TestApp, who: TestUser, chatId: number, user: TestUser) {
  return t.http().post(`${API}/chats/${chatId}/members/${user.id}`).set(who.auth);
}

/** The chat rooms a client socket is in, as its server side has them. */
function chatRooms(t: TestApp, socket: ClientSocket): string[] {
  return [...serverSocketOf(t, socket).rooms].filter((room) => room.startsWith('chat:')).sort();
}

/** Whether the socket is in the chat's room. */
function inRoom(t: TestApp, socket: ClientSocket, chatId: number): boolean {
  return serverSocketOf(t, socket).rooms.has(`chat:${chatId}`);
}

async function editMessage(t: TestApp, who: TestUser, chatId: number, messageId: number, content: string) {
  await t
    .http()
    .patch(`${API}/chats/${chatId}/messages/${messageId}`)
    .set(who.auth)
    .send({ content })
    .expect(200);
}

function expectBlocked(res: { status: number; body: unknown }): void {
  expect({ status: res.status, code: (res.body as ErrorBody).code }).toEqual({
    status: 403,
    code: 'blocked',
  });
  expectErrorShape(res.body, 403, 'blocked');
}

describe('blocks (e2e)', () => {
  let t: TestApp;
  let barrier: ReturnType<typeof favoritesBarrier>;

  beforeAll(async () => {
    t = await startApp(MANY_REQUESTS);
    barrier = favoritesBarrier(t);
  });
  afterEach(() => closeSockets());
  afterAll(() => t.close());

  let a: TestUser;
  let b: TestUser;
  let c: TestUser;

  beforeEach(async () => {
    [a, b, c] = await Promise.all([registerUser(t, 'a'), registerUser(t, 'b'), registerUser(t, 'c')]);
  });

  describe('the routes', () => {
    it('blocks, lists (most recent first) and unblocks; PUT and DELETE are idempotent', async () => {
      expect(await blockedBy(t, a)).toEqual([]);
      await block(t, a, b).expect(204);
      await block(t, a, b).expect(204);
      await block(t, a, c).expect(204);
      const res = await t.http().get(`${API}/users/me/blocks`).set(a.auth).expect(200);
      expect(res.body).toEqual({
        items: [
          { id: c.id, username: c.username, display_name: c.display_name, avatar_url: null },
          { id: b.id, username: b.username, display_name: b.display_name, avatar_url: null },
        ],
      });
      // Only the caller's own blocks: b blocked nobody.
      expect(await blockedBy(t, b)).toEqual([]);
      await unblock(t, a, b).expect(204);
      await unblock(t, a, b).expect(204);
      expect(await blockedBy(t, a)).toEqual([c.id]);
      // Unblocking someone never blocked, or a user that does not exist, changes nothing.
      await unblock(t, b, a).expect(204);
      await unblock(t, b, { id: 2_000_000_000 }).expect(204);
    });

    it('answers 400 for blocking yourself and 404 for a user that does not exist', async () => {
      const self = await block(t, a, a).expect(400);
      expectValidation(self.body, 'user_id');
      const unknown = await block(t, a, { id: 2_000_000_000 }).expect(404);
      expectErrorShape(unknown.body, 404, 'user_not_found');
      expect(await blockedBy(t, a)).toEqual([]);
    });

    it.each(BAD_IDS)('answers 400 on user_id for the path id %s', async (bad) => {
      expectValidation((await block(t, a, { id: bad }).expect(400)).body, 'user_id');
      expectValidation((await unblock(t, a, { id: bad }).expect(400)).body, 'user_id');
    });

    it('answers 401 without a token', async () => {
      await t.http().get(`${API}/users/me/blocks`).expect(401);
      await t.http().put(`${API}/users/me/blocks/${b.id}`).expect(401);
      await t.http().delete(`${API}/users/me/blocks/${b.id}`).expect(401);
    });
  });

  describe('personal contact, both ways', () => {
    it.each([
      ['the blocker', () => [a, b] as const],
      ['the blocked user', () => [b, a] as const],
    ])('refuses %s a chat of any type with the other, and a group with the other in it', async (_, who) => {
      await block(t, a, b).expect(204);
      const [me, other] = who();
      for (const extra of [{}, { chat_type: 'vet' }, { chat_type: 'response', post_id: 7 }]) {
        expectBlocked(await createWith(t, me, [other], extra));
      }
      const group = await createWith(t, me, [c, other], { title: 'group' });
      expectBlocked(group);
      expect((group.body as ErrorBody).details).toEqual({ user_ids: [other.id] });
      const mine = (await t.http().get(`${API}/chats`).set(me.auth).expect(200)).body as { items: unknown[] };
      expect(mine.items).toEqual([]);
    });

    it('leaves others free to put both in a group, and lets the two talk again after the unblock', async () => {
      await block(t, a, b).expect(204);
      const group = await createWith(t, c, [a, b]).expect(201);
      expect((group.body as ChatBody).members.map((m) => m.user_id).sort()).toEqual(
        [a.id, b.id, c.id].sort(),
      );
      await unblock(t, a, b).expect(204);
      await createWith(t, b, [a]).expect(201);
    });

    it('keeps a block while either side still blocks: unblocking one way of two changes nothing', async () => {
      await block(t, a, b).expect(204);
      await block(t, b, a).expect(204);
      await unblock(t, a, b).expect(204);
      expectBlocked(await createWith(t, a, [b]));
      await unblock(t, b, a).expect(204);
      await createWith(t, a, [b]).expect(201);
    });

    it('refuses adding the other to a chat, or restoring them, either way; a third person may', async () => {
      const ofA = await createChat(t, a, [c]);
      const ofB = await createChat(t, b, [c], { chat_type: 'keeper' });
      const withBoth = await createChat(t, a, [b, c], { chat_type: 'seeker' });
      await removeMember(t, withBoth.id, a, b);
      await block(t, b, a).expect(204);

      expectBlocked(await addMember(t, a, ofA.id, b));
      expectBlocked(await addMember(t, b, ofB.id, a));
      expectBlocked(await addMember(t, a, withBoth.id, b));
      // c is an admin of a's chat: adding b is c's contact, not a's.
      await makeAdmin(t, ofA.id, a, c);
      await addMember(t, c, ofA.id, b).expect(201);
      const members = await t.http().get(`${API}/chats/${withBoth.id}/members`).set(a.auth).expect(200);
      expect((members.body as { items: { user_id: number }[] }).items.map((m) => m.user_id).sort()).toEqual(
        [a.id, c.id].sort(),
      );
    });
  });

  describe('sending in a two-person chat they share', () => {
    let pair: ChatBody;
    beforeEach(async () => {
      pair = await createChat(t, a, [b]);
      await send(t, b, pair.id, 'before the block');
      await block(t, a, b).expect(204);
    });

    it.each([
      ['the blocker', () => a],
      ['the blocked user', () => b],
    ])('refuses %s a send over REST with 403 blocked, and stores nothing', async (_, who) => {
      const res = await t
        .http()
        .post(`${API}/chats/${pair.id}/messages`)
        .set(who().auth)
        .send({ content: 'hello?', client_message_id: 'after-block' });
      expectBlocked(res);
      const history = await t.http().get(`${API}/chats/${pair.id}/messages`).set(a.auth).expect(200);
      expect((history.body as { items: { content: string }[] }).items.map((m) => m.content)).toEqual([
        'before the block',
      ]);
    });

    it.each([
      ['the blocker', () => a],
      ['the blocked user', () => b],
    ])('refuses %s a message:send with an ack 403 blocked', async (_, who) => {
      const socket = await connectAs(t, who());
      const ack = await request(socket, 'message:send', { chat_id: pair.id, content: 'hello?' });
      expect(ack).toEqual({
        ok: false,
        error: { status: 403, code: 'blocked', message: expect.any(String) },
      });
    });

    it('still answers a retry of a message sent before the block with the original (200)', async () => {
      await unblock(t, a, b).expect(204);
      const first = await send(t, b, pair.id, 'once', 'retry-me');
      await block(t, a, b).expect(204);
      const retry = await t
        .http()
        .post(`${API}/chats/${pair.id}/messages`)
        .set(b.auth)
        .send({ content: 'once', client_message_id: 'retry-me' })
        .expect(200);
      expect(retry.body).toEqual(first);
    });

    it('leaves groups of three or more unaffected', async () => {
      const group = await createChat(t, c, [a, b]);
      await send(t, a, group.id, 'to the group');
      await send(t, b, group.id, 'me too');
      const socket = await connectAs(t, b);
      const ack = await request(socket, 'message:send', { chat_id: group.id, content: 'over the socket' });
      expect(ack).toEqual({ ok: true, data: expect.objectContaining({ chat_id: group.id }) });
    });
  });

  describe("the two-person chat's room", () => {
    let pair: ChatBody;
    let message: { id: number };

    beforeEach(async () => {
      pair = await createChat(t, a, [b]);
      message = await send(t, a, pair.id, 'hello');
    });

    const edit = (content: string) => editMessage(t, a, pair.id, message.id, content);

    it.each([
      ['blocks', () => [a, b] as const],
      ['is blocked', () => [b, a] as const],
    ])(
      'stops reaching the sockets of both when one of them %s, and reaches them again after the unblock',
      async (_, who) => {
        const [blocker, blocked] = who();
        const [ofA, ofB] = await Promise.all([connectAs(t, a), connectAs(t, b)]);
        expect(chatRooms(t, ofB)).toEqual([`chat:${pair.id}`]);
        const logA = new EventLog(ofA);
        const logB = new EventLog(ofB);

        await block(t, blocker, blocked).expect(204);
        expect(inRoom(t, ofA, pair.id)).toBe(false);
        expect(inRoom(t, ofB, pair.id)).toBe(false);
        await edit('edited while blocked');
        await barrier(b, ofB);
        await barrier(a, ofA);
        expect(logB.about(pair.id)).toEqual([]);
        expect(logA.about(pair.id)).toEqual([]);
        // The membership stays: history is still there over REST.
        await t.http().get(`${API}/chats/${pair.id}/messages`).set(b.auth).expect(200);

        const back = waitForEvent(ofB, 'message:updated', 5000, (m) => m.chat_id === pair.id);
        await unblock(t, blocker, blocked).expect(204);
        expect(inRoom(t, ofA, pair.id)).toBe(true);
        expect(inRoom(t, ofB, pair.id)).toBe(true);
        await edit('edited after the unblock');
        expect(await back).toMatchObject({ content: 'edited after the unblock' });
      },
    );

    it('keeps the sockets that connect (or have their rooms rebuilt) while blocked out of the room', async () => {
      await block(t, a, b).expect(204);
      const ofB = await connectAs(t, b);
      expect(chatRooms(t, ofB)).toEqual([]);
      // A rebuild of the rooms from PostgreSQL (after a Redis reconnect) agrees.
      await serverSocketOf(t, ofB).join(`chat:${pair.id}`);
      await t.app.get(RoomResync).request();
      expect(chatRooms(t, ofB)).toEqual([]);

      await unblock(t, a, b).expect(204);
      const again = await connectAs(t, b);
      expect(chatRooms(t, again)).toEqual([`chat:${pair.id}`]);
    });

    it('stops a typing indicator of either when the block begins', async () => {
      const ofB = await connectAs(t, b);
      const ofA = await connectAs(t, a);
      const typing = waitForEvent(ofB, 'typing', 5000, (e) => e.is_typing);
      await request(ofA, 'typing', { chat_id: pair.id, is_typing: true });
      await typing;
      const stopped = waitForEvent(ofB, 'typing', 5000, (e) => !e.is_typing);
      await block(t, b, a).expect(204);
      expect(await stopped).toEqual({ chat_id: pair.id, user_id: a.id, is_typing: false });
    });

    it('lets the one left in the room again when the other of a blocked pair leaves', async () => {
      await block(t, a, b).expect(204);
      const ofA = await connectAs(t, a);
      expect(inRoom(t, ofA, pair.id)).toBe(false);
      const told = waitForEvent(ofA, 'member:removed', 5000, (e) => e.chat_id === pair.id);
      await t.http().delete(`${API}/chats/${pair.id}/members/${b.id}`).set(b.auth).expect(204);
      expect(await told).toEqual({ chat_id: pair.id, user_id: b.id });
      expect(inRoom(t, ofA, pair.id)).toBe(true);
      const reconnected = await connectAs(t, a);
      expect(inRoom(t, reconnected, pair.id)).toBe(true);
    });

    it('leaves the room to both when a third member leaves them alone, and brings them back when one adds a third', async () => {
      const group = await createChat(t, a, [b, c], { chat_type: 'vet' });
      await block(t, b, a).expect(204);
      const [ofA, ofB] = await Promise.all([connectAs(t, a), connectAs(t, b)]);
      // A group of three: blocks do not touch it.
      expect(inRoom(t, ofB, group.id)).toBe(true);

      const left = waitForEvent(ofB, 'member:removed', 5000, (e) => e.chat_id === group.id);
      await t.http().delete(`${API}/chats/${group.id}/members/${c.id}`).set(c.auth).expect(204);
      await left;
      expect(inRoom(t, ofA, group.id)).toBe(false);
      expect(inRoom(t, ofB, group.id)).toBe(false);
      const reconnected = await connectAs(t, b);
      expect(inRoom(t, reconnected, group.id)).toBe(false);

      // a (the owner) adds d: a group again, and both hear of the newcomer.
      const d = await registerUser(t, 'd');
      const added = waitForEvent(ofB, 'member:added', 5000, (e) => e.chat_id === group.id);
      await addMember(t, a, group.id, d).expect(201);
      expect(await added).toMatchObject({ member: { user_id: d.id } });
      expect(inRoom(t, ofA, group.id)).toBe(true);
      expect(inRoom(t, ofB, group.id)).toBe(true);
    });
  });

  /**
   * No route lets a blocked user reach the blocker personally: every way there is of opening
   * personal contact, tried by each of the two, is refused with 403 blocked, and the other hears
   * nothing of it. (Sending in their two-person chat: the tests above, REST and socket.)
   */
  describe('matrix: no route from one to the other', () => {
    type Attempt = (me: TestUser, other: TestUser) => Promise<{ status: number; body: unknown }>;
    const ATTEMPTS: Record<string, Attempt> = {
      'POST /chats (personal, each type)': async (me, other) => {
        for (const extra of [{ chat_type: 'keeper' }, { chat_type: 'seeker' }, { chat_type: 'other' }]) {
          expectBlocked(await createWith(t, me, [other], extra));
        }
        return createWith(t, me, [other], { chat_type: 'response', post_id: 42 });
      },
      'POST /chats (a group with the other in it)': (me, other) => createWith(t, me, [c, other]),
      'POST /chats/:chat_id/members/:user_id (as owner)': async (me, other) => {
        const mine = await createChat(t, me, [c], { chat_type: 'vet' });
        return addMember(t, me, mine.id, other);
      },
      'POST /chats/:chat_id/members/:user_id (as admin of a third person’s chat)': async (me, other) => {
        const theirs = await createChat(t, c, [me], { chat_type: 'seeker', title: 't' });
        await makeAdmin(t, theirs.id, c, me);
        return addMember(t, me, theirs.id, other);
      },
      'POST /chats/:chat_id/members/:user_id (into a chat alone with the other)': async (me, other) => {
        const alone = await createChat(t, me, [], { title: 'notes' });
        return addMember(t, me, alone.id, other);
      },
    };

    it.each(
      Object.keys(ATTEMPTS).flatMap((name) => [`${name} by the blocker`, `${name} by the blocked user`]),
    )('%s: 403 blocked, and the other hears nothing', async (name) => {
      await block(t, a, b).expect(204);
      const byBlocker = name.endsWith('by the blocker');
      const [me, other] = byBlocker ? [a, b] : [b, a];
      const otherSocket = await connectAs(t, other);
      const log = new EventLog(otherSocket);
      const attempt = ATTEMPTS[name.replace(/ by the (blocker|blocked user)$/, '')];
      expectBlocked(await attempt(me, other));
      await barrier(other, otherSocket);
      // Nothing but the barrier's own favorites chat and marker.
      const heard = log.events.filter(
        ({ name, payload }) =>
          name === 'member:added' ||
          (name === 'chat:created' &&
            (payload as ChatBody).members.some((member) => member.user_id === me.id)),
      );
      expect(heard).toEqual([]);
      const chats = (await t.http().get(`${API}/chats`).set(other.auth).expect(200)).body as {
        items: { members: { user_id: number }[] }[];
      };
      for (const chat of chats.items) {
        expect(chat.members.map((m) => m.user_id)).not.toContain(me.id);
      }
    });
  });
});

describe('blocks across two instances (e2e)', () => {
  const cluster = useTwoInstances(MANY_REQUESTS);
  afterEach(() => closeSockets());

  it("takes the blocked user's sockets on the other instance out of the room at once, and back after the unblock", async () => {
    const [one, two] = cluster.apps();
    // Sends a marker through instance one: once it reaches b's socket on two, so has every room
    // change one published before it.
    const barrier = favoritesBarrier(one);
    const [a, b] = await Promise.all([registerUser(one, 'a'), registerUser(one, 'b')]);
    const pair = await createChat(one, a, [b]);
    const message = await send(one, a, pair.id, 'hello');
    const ofB = await connectAs(two, b);
    const log = new EventLog(ofB);

    await block(one, a, b).expect(204);
    await barrier(b, ofB);
    expect(inRoom(two, ofB, pair.id)).toBe(false);
    await editMessage(one, a, pair.id, message.id, 'while blocked');
    await barrier(b, ofB);
    expect(log.about(pair.id)).toEqual([]);

    const back = waitForEvent(ofB, 'message:updated', 5000, (m) => m.chat_id === pair.id);
    await unblock(one, a, b).expect(204);
    await barrier(b, ofB);
    expect(inRoom(two, ofB, pair.id)).toBe(true);
    await editMessage(one, a, pair.id, message.id, 'after the unblock');
    expect(await back).toMatchObject({ content: 'after the unblock' });
  });
});
