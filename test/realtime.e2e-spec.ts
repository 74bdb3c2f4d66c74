import { JwtService } from '@nestjs/jwt';
import { MembersAccessService } from '../src/members/members-access.service';
import type { MessageDto } from '../src/messages/dto/message.dto';
import { OFFLINE_DELAY_MS } from '../src/realtime/presence.service';
import { RealtimeServer } from '../src/realtime/realtime-server';
import { TYPING_EXPIRY_MS } from '../src/realtime/typing.service';
import { startApp, TEST_JWT_SECRET, TestApp } from './support/app';
import { ChatBody, createChat, makeAdmin, removeMember, Roles } from './support/chats';
import { API, chatWithRoles, MANY_REQUESTS, send } from './support/messages';
import {
  ClientSocket,
  closeSockets,
  connect,
  connectAs,
  EventLog,
  RATE_LIMITED,
  refusal,
  request,
  socketFor,
  waitForEvent,
} from './support/sockets';
import { registerUser, TestUser } from './support/users';

const ERROR = { status: expect.any(Number), code: expect.any(String), message: expect.any(String) };

describe('realtime (e2e)', () => {
  let t: TestApp;
  const favorites = new Map<number, ChatBody>();

  beforeAll(async () => {
    t = await startApp(MANY_REQUESTS);
  });
  afterEach(() => closeSockets());
  afterAll(() => t.close());

  /**
   * Sends a marker to the user's favorites chat and waits until the socket has it: every event
   * the server emitted to that socket before is then already in its EventLog.
   */
  async function barrier(user: TestUser, socket: ClientSocket): Promise<void> {
    let chat = favorites.get(user.id);
    if (!chat) {
      chat = await createChat(t, user, []);
      favorites.set(user.id, chat);
    }
    const marker = `barrier ${Math.random()}`;
    const arrived = waitForEvent(socket, 'message:new', 5000, (m) => m.content === marker);
    await send(t, user, chat.id, marker);
    await arrived;
  }

  const sign = (user: TestUser, exp: number, secret = TEST_JWT_SECRET): string =>
    new JwtService().sign({ sub: user.id, username: user.username, exp }, { secret });
  const nowSeconds = (): number => Math.floor(Date.now() / 1000);

  describe('handshake', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await registerUser(t);
    });

    it('accepts the access token as auth.token', async () => {
      const socket = await connectAs(t, user);
      expect(socket.connected).toBe(true);
    });

    it('accepts an Authorization: Bearer header', async () => {
      const socket = socketFor(t, { headers: { Authorization: `Bearer ${user.access_token}` } });
      await connect(socket);
      expect(socket.connected).toBe(true);
    });

    it.each([
      ['no token', {}, 'unauthorized'],
      ['an empty token', { auth: { token: '' } }, 'unauthorized'],
      ['a token that is not a string', { auth: { token: 42 } }, 'unauthorized'],
      ['a garbage token', { auth: { token: 'not.a.jwt' } }, 'unauthorized'],
      ['a malformed header', { headers: { Authorization: 'Token abc' } }, 'unauthorized'],
    ])('refuses %s with connect_error unauthorized', async (_, options, code) => {
      const error = await refusal(socketFor(t, options));
      expect(error.message).toBe('unauthorized');
      expect(error.data).toEqual({ ...ERROR, status: 401, code });
    });

    it('refuses an expired token (data.code token_expired)', async () => {
      const error = await refusal(socketFor(t, { auth: { token: sign(user, nowSeconds() - 10) } }));
      expect(error.message).toBe('unauthorized');
      expect(error.data).toEqual({ ...ERROR, status: 401, code: 'token_expired' });
    });

    it('refuses a token signed with another secret', async () => {
      const forged = sign(user, nowSeconds() + 600, 'another-secret-another-secret-another-secret');
      const error = await refusal(socketFor(t, { auth: { token: forged } }));
      expect(error.message).toBe('unauthorized');
    });

    it('tells a socket whose token expires auth:expired, then disconnects it', async () => {
      const socket = socketFor(t, { auth: { token: sign(user, nowSeconds() + 2) } });
      await connect(socket);
      const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      const expired = await waitForEvent(socket, 'auth:expired', 5000);
      expect(expired).toEqual({ message: expect.any(String) });
      // A server-side disconnect: socket.io-client does not reconnect with the dead token.
      expect(await disconnected).toBe('io server disconnect');
    });

    it('still expires a socket when another one expiring at the same second closed first', async () => {
      const token = sign(user, nowSeconds() + 2);
      const [leaving, staying] = [socketFor(t, { auth: { token } }), socketFor(t, { auth: { token } })];
      await Promise.all([connect(leaving), connect(staying)]);
      const expired = waitForEvent(staying, 'auth:expired', 5000);
      leaving.disconnect();
      expect(await expired).toEqual({ message: expect.any(String) });
    });
  });

  describe('client events: authorization', () => {
    let r: Roles;
    let message: MessageDto;
    const sockets = {} as Record<'owner' | 'admin' | 'member' | 'removed' | 'stranger', ClientSocket>;

    beforeAll(async () => {
      r = await chatWithRoles(t);
      message = await send(t, r.member, r.chat.id, 'from the member');
    });
    beforeEach(async () => {
      for (const role of ['owner', 'admin', 'member', 'removed', 'stranger'] as const) {
        sockets[role] = await connectAs(t, r[role]);
      }
    });

    const denied = [
      ['a stranger', 'stranger', 403, 'not_a_member'],
      ['a removed member', 'removed', 403, 'not_a_member'],
    ] as const;
    const payloads = (chatId: number): [string, object][] => [
      ['message:send', { chat_id: chatId, content: 'hi' }],
      ['message:edit', { chat_id: chatId, message_id: message.id, content: 'edited' }],
      ['message:delete', { chat_id: chatId, message_id: message.id }],
      ['chat:read', { chat_id: chatId }],
      ['chat:sync', { chat_id: chatId, after_seq: 0 }],
      ['typing', { chat_id: chatId, is_typing: true }],
    ];

    it.each(denied)('answers %s 403 on every event', async (_, role, status, code) => {
      for (const [event, payload] of payloads(r.chat.id)) {
        const ack = await request(sockets[role], event as 'message:send', payload);
        expect({ event, ack }).toEqual({ event, ack: { ok: false, error: { ...ERROR, status, code } } });
      }
    });

    it('answers 404 chat_not_found for a chat that does not exist', async () => {
      for (const [event, payload] of payloads(2_000_000_000)) {
        const ack = await request(sockets.member, event as 'message:send', payload);
        expect({ event, ack }).toEqual({
          event,
          ack: { ok: false, error: { ...ERROR, status: 404, code: 'chat_not_found' } },
        });
      }
    });

    it('lets a plain member send, read, sync and type, and edit only their own message', async () => {
      const sent = await request(sockets.member, 'message:send', {
        chat_id: r.chat.id,
        content: '  hello  ',
      });
      expect(sent).toEqual({
        ok: true,
        data: expect.objectContaining({ chat_id: r.chat.id, sender_id: r.member.id, content: 'hello' }),
      });
      expect(await request(sockets.member, 'chat:read', { chat_id: r.chat.id })).toEqual({
        ok: true,
        data: { unread_count: 0, last_read_seq: expect.any(Number) },
      });
      const synced = await request(sockets.member, 'chat:sync', { chat_id: r.chat.id, after_seq: 0 });
      expect(synced.ok && synced.data.items.map((m) => m.content)).toEqual(
        expect.arrayContaining(['from the member', 'hello']),
      );
      expect(await request(sockets.member, 'typing', { chat_id: r.chat.id, is_typing: false })).toEqual({
        ok: true,
        data: {},
      });
      const edited = await request(sockets.member, 'message:edit', {
        chat_id: r.chat.id,
        message_id: message.id,
        content: 'edited by the author',
      });
      expect(edited).toEqual({
        ok: true,
        data: expect.objectContaining({
          id: message.id,
          content: 'edited by the author',
          edited_at: expect.any(String),
        }),
      });
    });

    it("refuses to edit someone else's message, even for the owner (403 forbidden)", async () => {
      for (const role of ['owner', 'admin'] as const) {
        const ack = await request(sockets[role], 'message:edit', {
          chat_id: r.chat.id,
          message_id: message.id,
          content: 'not mine',
        });
        expect(ack).toEqual({ ok: false, error: { ...ERROR, status: 403, code: 'forbidden' } });
      }
    });

    it("lets the owner and an admin delete others' messages, but not a plain member", async () => {
      const byAdmin = await send(t, r.admin, r.chat.id, 'by the admin');
      const denial = await request(sockets.member, 'message:delete', {
        chat_id: r.chat.id,
        message_id: byAdmin.id,
      });
      expect(denial).toEqual({ ok: false, error: { ...ERROR, status: 403, code: 'forbidden' } });
      for (const role of ['owner', 'admin'] as const) {
        const victim = await send(t, r.member, r.chat.id, `to delete by ${role}`);
        expect(
          await request(sockets[role], 'message:delete', { chat_id: r.chat.id, message_id: victim.id }),
        ).toEqual({
          ok: true,
          data: {},
        });
      }
    });

    it('answers 404 message_not_found for a message under another chat', async () => {
      const other = await createChat(t, r.member, [r.owner]);
      const ack = await request(sockets.member, 'message:edit', {
        chat_id: other.id,
        message_id: message.id,
        content: 'wrong parent',
      });
      expect(ack).toEqual({ ok: false, error: { ...ERROR, status: 404, code: 'message_not_found' } });
    });
  });

  describe('client events: malformed input', () => {
    let owner: TestUser;
    let chat: ChatBody;
    let socket: ClientSocket;

    beforeAll(async () => {
      owner = await registerUser(t);
      chat = await createChat(t, owner, []);
    });
    beforeEach(async () => {
      socket = await connectAs(t, owner);
    });

    it.each([
      ['a string', 'hello', ['payload']],
      ['a number', 42, ['payload']],
      ['null', null, ['payload']],
      ['an array', [{ chat_id: 1, content: 'x' }], ['payload']],
      ['an empty object', {}, ['chat_id', 'content']],
      ['a string chat_id', { chat_id: '1', content: 'x' }, ['chat_id']],
      ['a fractional chat_id', { chat_id: 1.5, content: 'x' }, ['chat_id']],
      ['a zero chat_id', { chat_id: 0, content: 'x' }, ['chat_id']],
      ['blank content', { chat_id: 1, content: '   ' }, ['content']],
      ['too long content', { chat_id: 1, content: 'x'.repeat(4001) }, ['content']],
      ['an unknown field', { chat_id: 1, content: 'x', sender_id: 5 }, ['sender_id']],
      [
        'a too long client_message_id',
        { chat_id: 1, content: 'x', client_message_id: 'c'.repeat(65) },
        ['client_message_id'],
      ],
    ])('answers message:send with %s 400 validation_failed naming the fields', async (_, payload, fields) => {
      const ack = await request(socket, 'message:send', payload);
      expect(ack).toEqual({
        ok: false,
        error: {
          status: 400,
          code: 'validation_failed',
          message: expect.any(String),
          details: expect.any(Array),
        },
      });
      const named = (ack as { error: { details: { field: string }[] } }).error.details.map((d) => d.field);
      expect([...new Set(named)].sort()).toEqual([...fields].sort());
      expect(socket.connected).toBe(true);
    });

    it.each([
      ['chat:sync without after_seq', 'chat:sync', { chat_id: 1 }, 'after_seq'],
      ['chat:sync with a limit over 100', 'chat:sync', { chat_id: 1, after_seq: 0, limit: 101 }, 'limit'],
      ['chat:sync with a negative after_seq', 'chat:sync', { chat_id: 1, after_seq: -1 }, 'after_seq'],
      ['typing with a string is_typing', 'typing', { chat_id: 1, is_typing: 'yes' }, 'is_typing'],
      ['chat:read with a string up_to_seq', 'chat:read', { chat_id: 1, up_to_seq: '5' }, 'up_to_seq'],
      ['message:edit without message_id', 'message:edit', { chat_id: 1, content: 'x' }, 'message_id'],
      [
        'message:delete with a string message_id',
        'message:delete',
        { chat_id: 1, message_id: 'x' },
        'message_id',
      ],
    ])('answers %s with 400 naming the field', async (_, event, payload, field) => {
      const ack = await request(socket, event as 'chat:sync', payload);
      expect(ack).toEqual({
        ok: false,
        error: expect.objectContaining({
          status: 400,
          code: 'validation_failed',
          details: [expect.objectContaining({ field })],
        }),
      });
    });

    it('survives events without an ack callback, bad payloads and unknown events, and still answers', async () => {
      const log = new EventLog(socket);
      const emit = socket.emit.bind(socket) as (event: string, ...args: unknown[]) => void;
      emit('message:send', { chat_id: 'x' });
      emit('message:send');
      emit('message:send', 'a', 'b', 'c');
      emit('typing', null);
      emit('chat:sync', undefined);
      emit('no:such:event', { chat_id: chat.id });
      emit('message:send', { chat_id: chat.id, content: 'sent without an ack' });
      const arrived = await waitForEvent(
        socket,
        'message:new',
        5000,
        (m) => m.content === 'sent without an ack',
      );
      expect(arrived.chat_id).toBe(chat.id);
      const ack = await request(socket, 'chat:sync', { chat_id: chat.id, after_seq: 0 });
      expect(ack.ok).toBe(true);
      expect(socket.connected).toBe(true);
      expect(log.events.map((e) => e.name)).toEqual(['message:new']);
    });

    it('closes a connection that sends a packet over the 64 KB limit, and only that one', async () => {
      const bystander = await connectAs(t, owner);
      const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      socket.emit('message:send', { chat_id: chat.id, content: 'x'.repeat(70 * 1024) }, () => undefined);
      expect(await disconnected).toBe('transport close');
      expect(await request(bystander, 'chat:sync', { chat_id: chat.id, after_seq: 0 })).toMatchObject({
        ok: true,
      });
    });
  });

  describe('rate limits', () => {
    it('answers 429 rate_limited past the burst of message:send, for that user only', async () => {
      const [flooder, calm] = await Promise.all([registerUser(t), registerUser(t)]);
      const chat = await createChat(t, flooder, [calm]);
      const [socket, calmSocket] = await Promise.all([connectAs(t, flooder), connectAs(t, calm)]);
      const acks = await Promise.all(
        Array.from({ length: t.config.socketLimits.rates.messageSend.burst + 5 }, (_, i) =>
          request(socket, 'message:send', { chat_id: chat.id, content: `flood ${i}` }),
        ),
      );
      const limited = acks.filter((ack) => !ack.ok);
      expect(limited.length).toBeGreaterThanOrEqual(4);
      expect(limited[0]).toEqual(RATE_LIMITED);
      expect(socket.connected).toBe(true);
      expect(await request(calmSocket, 'message:send', { chat_id: chat.id, content: 'calm' })).toMatchObject({
        ok: true,
      });
    });

    it('limits typing too', async () => {
      const user = await registerUser(t);
      const chat = await createChat(t, user, []);
      const socket = await connectAs(t, user);
      const acks = await Promise.all(
        Array.from({ length: 20 }, () => request(socket, 'typing', { chat_id: chat.id, is_typing: true })),
      );
      expect(acks.filter((ack) => !ack.ok && ack.error.code === 'rate_limited').length).toBeGreaterThan(0);
    });
  });

  describe('room events', () => {
    let owner: TestUser;
    let member: TestUser;
    let stranger: TestUser;
    let chat: ChatBody;

    beforeEach(async () => {
      [owner, member, stranger] = await Promise.all([registerUser(t), registerUser(t), registerUser(t)]);
      chat = await createChat(t, owner, [member]);
    });

    it("reaches every socket in the chat room, the sender's own included, and no one else", async () => {
      const [senderSocket, senderOther, memberSocket, strangerSocket] = await Promise.all([
        connectAs(t, owner),
        connectAs(t, owner),
        connectAs(t, member),
        connectAs(t, stranger),
      ]);
      const strangerLog = new EventLog(strangerSocket);
      const arrivals = [senderSocket, senderOther, memberSocket].map((s) => waitForEvent(s, 'message:new'));
      const ack = await request(senderSocket, 'message:send', { chat_id: chat.id, content: 'to the room' });
      if (!ack.ok) throw new Error('send failed');
      for (const payload of await Promise.all(arrivals)) expect(payload).toEqual(ack.data);
      await barrier(stranger, strangerSocket);
      expect(strangerLog.about(chat.id)).toEqual([]);
    });

    it('emits for changes made over REST: message:new, message:updated, message:deleted, chat:read', async () => {
      const socket = await connectAs(t, member);
      const created = waitForEvent(socket, 'message:new');
      const message = await send(t, owner, chat.id, 'over rest');
      expect(await created).toEqual(message);

      const updated = waitForEvent(socket, 'message:updated');
      await t
        .http()
        .patch(`${API}/chats/${chat.id}/messages/${message.id}`)
        .set(owner.auth)
        .send({ content: 'edited over rest' })
        .expect(200);
      expect(await updated).toMatchObject({
        id: message.id,
        content: 'edited over rest',
        edited_at: expect.any(String),
      });

      const read = waitForEvent(socket, 'chat:read', 5000, (e) => e.user_id === member.id);
      await t.http().patch(`${API}/chats/${chat.id}/unread`).set(member.auth).send({}).expect(200);
      expect(await read).toEqual({
        chat_id: chat.id,
        user_id: member.id,
        last_read_seq: message.seq,
        read_at: expect.any(String),
      });

      const deleted = waitForEvent(socket, 'message:deleted');
      await t.http().delete(`${API}/chats/${chat.id}/messages/${message.id}`).set(owner.auth).expect(204);
      expect(await deleted).toEqual({ chat_id: chat.id, message_id: message.id, seq: message.seq });
    });

    it('emits socket-made edits, deletes and reads to the room as well', async () => {
      const [ownerSocket, memberSocket] = await Promise.all([connectAs(t, owner), connectAs(t, member)]);
      const sent = await request(ownerSocket, 'message:send', { chat_id: chat.id, content: 'v1' });
      if (!sent.ok) throw new Error('send failed');
      const updated = waitForEvent(memberSocket, 'message:updated');
      await request(ownerSocket, 'message:edit', {
        chat_id: chat.id,
        message_id: sent.data.id,
        content: 'v2',
      });
      expect(await updated).toMatchObject({ id: sent.data.id, content: 'v2' });
      const read = waitForEvent(ownerSocket, 'chat:read', 5000, (e) => e.user_id === member.id);
      await request(memberSocket, 'chat:read', { chat_id: chat.id, up_to_seq: sent.data.seq });
      expect(await read).toMatchObject({
        chat_id: chat.id,
        user_id: member.id,
        last_read_seq: sent.data.seq,
      });
      const deleted = waitForEvent(memberSocket, 'message:deleted');
      await request(ownerSocket, 'message:delete', { chat_id: chat.id, message_id: sent.data.id });
      expect(await deleted).toEqual({ chat_id: chat.id, message_id: sent.data.id, seq: sent.data.seq });
    });

    it('joins a member added while connected to the room at once, without a reconnect', async () => {
      const socket = await connectAs(t, stranger);
      const added = waitForEvent(socket, 'member:added');
      const updated = waitForEvent(socket, 'chat:updated');
      await t.http().post(`${API}/chats/${chat.id}/members/${stranger.id}`).set(owner.auth).expect(201);
      expect(await added).toEqual({
        chat_id: chat.id,
        member: expect.objectContaining({ user_id: stranger.id }),
      });
      expect(await updated).toMatchObject({ id: chat.id, my_role: 'member' });
      const next = waitForEvent(socket, 'message:new');
      await send(t, owner, chat.id, 'welcome');
      expect(await next).toMatchObject({ chat_id: chat.id, content: 'welcome' });
      expect(await request(socket, 'typing', { chat_id: chat.id, is_typing: false })).toEqual({
        ok: true,
        data: {},
      });
    });

    it("stops a removed member's sockets at once and tells them member:removed", async () => {
      const [removedSocket, removedOther, ownerSocket] = await Promise.all([
        connectAs(t, member),
        connectAs(t, member),
        connectAs(t, owner),
      ]);
      const log = new EventLog(removedSocket);
      const told = [removedSocket, removedOther, ownerSocket].map((s) => waitForEvent(s, 'member:removed'));
      await removeMember(t, chat.id, owner, member);
      for (const payload of await Promise.all(told))
        expect(payload).toEqual({ chat_id: chat.id, user_id: member.id });

      await send(t, owner, chat.id, 'after the removal');
      await request(ownerSocket, 'typing', { chat_id: chat.id, is_typing: true });
      await barrier(member, removedSocket);
      const afterRemoval = log.events.slice(log.events.findIndex((e) => e.name === 'member:removed') + 1);
      expect(afterRemoval.filter((e) => (e.payload as { chat_id?: number }).chat_id === chat.id)).toEqual([]);
      expect(
        await request(removedSocket, 'message:send', { chat_id: chat.id, content: 'still here?' }),
      ).toEqual({
        ok: false,
        error: { ...ERROR, status: 403, code: 'not_a_member' },
      });
    });

    it('keeps a socket that connects while its user is being removed out of the room', async () => {
      // The removal commits and empties the room between the handshake's read of the user's
      // chats and its join of their rooms.
      const access = t.app.get(MembersAccessService);
      const read = access.activeChatIds.bind(access);
      let reads = 0;
      const spy = jest.spyOn(access, 'activeChatIds').mockImplementation(async (userId) => {
        const chatIds = await read(userId);
        if (userId === member.id && ++reads === 1) await removeMember(t, chat.id, owner, member);
        return chatIds;
      });
      let socket: ClientSocket;
      try {
        socket = await connectAs(t, member);
      } finally {
        spy.mockRestore();
      }
      expect(reads).toBeGreaterThanOrEqual(1);
      const room = await t.app.get(RealtimeServer).io.in(`chat:${chat.id}`).fetchSockets();
      expect(room.map((s) => s.id)).not.toContain(socket.id);
      const log = new EventLog(socket);
      await send(t, owner, chat.id, 'after the removal');
      await barrier(member, socket);
      expect(log.named('message:new').filter((m) => (m as MessageDto).chat_id === chat.id)).toEqual([]);
    });

    it('moves a member who leaves out of the room too', async () => {
      const socket = await connectAs(t, member);
      const log = new EventLog(socket);
      const told = waitForEvent(socket, 'member:removed');
      await t.http().delete(`${API}/chats/${chat.id}/members/${member.id}`).set(member.auth).expect(204);
      await told;
      await send(t, owner, chat.id, 'after leaving');
      await barrier(member, socket);
      expect(log.named('message:new').filter((m) => (m as MessageDto).chat_id === chat.id)).toEqual([]);
    });

    it('sends chat:created to each member as they see it, with their sockets already in the room', async () => {
      const [ownerSocket, memberSocket] = await Promise.all([connectAs(t, owner), connectAs(t, member)]);
      const ownerView = waitForEvent(ownerSocket, 'chat:created');
      const memberView = waitForEvent(memberSocket, 'chat:created');
      const fresh = await createChat(t, owner, [member], { chat_type: 'vet', title: 'Рыжий кот' });
      expect(await ownerView).toMatchObject({ id: fresh.id, my_role: 'owner', title: 'Рыжий кот' });
      expect(await memberView).toMatchObject({ id: fresh.id, my_role: 'member' });
      const next = waitForEvent(memberSocket, 'message:new');
      await request(ownerSocket, 'message:send', { chat_id: fresh.id, content: 'first' });
      expect(await next).toMatchObject({ chat_id: fresh.id, content: 'first' });
    });

    it('sends chat:updated on a rename and member:updated on a role change', async () => {
      const socket = await connectAs(t, member);
      const renamed = waitForEvent(socket, 'chat:updated', 5000, (c) => c.title === 'Кошки с Лесной');
      await t
        .http()
        .patch(`${API}/chats/${chat.id}`)
        .set(owner.auth)
        .send({ title: 'Кошки с Лесной' })
        .expect(200);
      expect(await renamed).toMatchObject({ id: chat.id, my_role: 'member' });
      const promoted = waitForEvent(socket, 'member:updated');
      await makeAdmin(t, chat.id, owner, member);
      expect(await promoted).toEqual({
        chat_id: chat.id,
        member: expect.objectContaining({ user_id: member.id, role: 'admin' }),
      });
    });

    it('sends chat:deleted to every member and empties the room', async () => {
      const [ownerSocket, memberSocket] = await Promise.all([connectAs(t, owner), connectAs(t, member)]);
      const told = [ownerSocket, memberSocket].map((s) => waitForEvent(s, 'chat:deleted'));
      await t.http().delete(`${API}/chats/${chat.id}`).set(owner.auth).expect(204);
      for (const payload of await Promise.all(told)) expect(payload).toEqual({ chat_id: chat.id });
      const rooms = await t.app.get(RealtimeServer).io.in(`chat:${chat.id}`).fetchSockets();
      expect(rooms).toHaveLength(0);
    });
  });

  describe('typing', () => {
    let owner: TestUser;
    let member: TestUser;
    let chat: ChatBody;
    beforeEach(async () => {
      [owner, member] = await Promise.all([registerUser(t), registerUser(t)]);
      chat = await createChat(t, owner, [member]);
    });

    it("reaches the chat room except the typist's own sockets", async () => {
      const [typist, typistOther, other] = await Promise.all([
        connectAs(t, owner),
        connectAs(t, owner),
        connectAs(t, member),
      ]);
      const typistLog = new EventLog(typistOther);
      const seen = waitForEvent(other, 'typing');
      expect(await request(typist, 'typing', { chat_id: chat.id, is_typing: true })).toEqual({
        ok: true,
        data: {},
      });
      expect(await seen).toEqual({ chat_id: chat.id, user_id: owner.id, is_typing: true });
      const stopped = waitForEvent(other, 'typing');
      await request(typist, 'typing', { chat_id: chat.id, is_typing: false });
      expect(await stopped).toEqual({ chat_id: chat.id, user_id: owner.id, is_typing: false });
      await barrier(owner, typistOther);
      expect(typistLog.named('typing')).toEqual([]);
    });

    it('sends is_typing: false by itself 5 s after the last is_typing: true', async () => {
      const [typist, other] = await Promise.all([connectAs(t, owner), connectAs(t, member)]);
      const started = waitForEvent(other, 'typing', 5000, (e) => e.is_typing);
      await request(typist, 'typing', { chat_id: chat.id, is_typing: true });
      await started;
      const since = Date.now();
      const expired = await waitForEvent(other, 'typing', TYPING_EXPIRY_MS + 3000);
      expect(expired).toEqual({ chat_id: chat.id, user_id: owner.id, is_typing: false });
      expect(Date.now() - since).toBeGreaterThanOrEqual(TYPING_EXPIRY_MS - 500);
    }, 20_000);

    it("sends is_typing: false when the typist's socket disconnects", async () => {
      const [typist, other] = await Promise.all([connectAs(t, owner), connectAs(t, member)]);
      const started = waitForEvent(other, 'typing', 5000, (e) => e.is_typing);
      await request(typist, 'typing', { chat_id: chat.id, is_typing: true });
      await started;
      const stopped = waitForEvent(other, 'typing', 2000);
      typist.disconnect();
      expect(await stopped).toEqual({ chat_id: chat.id, user_id: owner.id, is_typing: false });
    });
  });

  describe('presence', () => {
    it('announces the first connect and, a moment after, the last disconnect to those who share a chat', async () => {
      const [watcher, user, outsider] = await Promise.all([
        registerUser(t),
        registerUser(t),
        registerUser(t),
      ]);
      await createChat(t, watcher, [user]);
      const [watcherSocket, outsiderSocket] = await Promise.all([
        connectAs(t, watcher),
        connectAs(t, outsider),
      ]);
      const outsiderLog = new EventLog(outsiderSocket);
      const watcherLog = new EventLog(watcherSocket);

      const online = waitForEvent(watcherSocket, 'presence', 5000, (e) => e.user_id === user.id);
      const first = await connectAs(t, user);
      expect(await online).toEqual({ user_id: user.id, online: true, last_seen_at: expect.any(String) });

      // A second socket, and a quick reconnect of the first: no flicker.
      const second = await connectAs(t, user);
      first.disconnect();
      second.disconnect();
      const blink = Date.now();
      await connectAs(t, user).then((again) => again.disconnect());
      const offline = await waitForEvent(
        watcherSocket,
        'presence',
        OFFLINE_DELAY_MS + 3000,
        (e) => !e.online,
      );
      expect(offline).toEqual({ user_id: user.id, online: false, last_seen_at: expect.any(String) });
      expect(Date.parse(offline.last_seen_at)).toBeGreaterThanOrEqual(blink - 1000);
      expect(watcherLog.named('presence')).toEqual([
        { user_id: user.id, online: true, last_seen_at: expect.any(String) },
        offline,
      ]);
      await barrier(outsider, outsiderSocket);
      expect(outsiderLog.named('presence')).toEqual([]);
    });
  });

  describe('reconnect and chat:sync', () => {
    it('returns exactly the messages missed while disconnected, in order, and pages with has_more', async () => {
      const [owner, member] = await Promise.all([registerUser(t), registerUser(t)]);
      const chat = await createChat(t, owner, [member]);
      let socket = await connectAs(t, member);
      const seen: MessageDto[] = [];
      socket.on('message:new', (m) => seen.push(m));
      const second = waitForEvent(socket, 'message:new', 5000, (m) => m.content === 'seen 2');
      await send(t, owner, chat.id, 'seen 1');
      await send(t, owner, chat.id, 'seen 2');
      await second;
      socket.disconnect();
      const lastSeq = seen[seen.length - 1].seq;

      const missed: MessageDto[] = [];
      for (let i = 1; i <= 5; i++) missed.push(await send(t, owner, chat.id, `missed ${i}`));

      socket = await connectAs(t, member);
      const page1 = await request(socket, 'chat:sync', { chat_id: chat.id, after_seq: lastSeq, limit: 3 });
      if (!page1.ok) throw new Error('sync failed');
      expect(page1.data.has_more).toBe(true);
      const page2 = await request(socket, 'chat:sync', {
        chat_id: chat.id,
        after_seq: page1.data.items[page1.data.items.length - 1].seq,
        limit: 3,
      });
      if (!page2.ok) throw new Error('sync failed');
      expect(page2.data.has_more).toBe(false);
      expect([...page1.data.items, ...page2.data.items]).toEqual(missed);
      expect(missed.map((m) => m.seq)).toEqual([
        lastSeq + 1,
        lastSeq + 2,
        lastSeq + 3,
        lastSeq + 4,
        lastSeq + 5,
      ]);
    });
  });
});
