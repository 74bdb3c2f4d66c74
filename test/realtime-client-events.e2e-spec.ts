import type { MessageDto } from '../src/messages/dto/message.dto';
import { useApp } from './support/app.fixture';
import { ChatBody, createChat, Roles } from './support/chats.helpers';
import { chatWithRoles, MANY_REQUESTS, send } from './support/messages.helpers';
import {
  ClientSocket,
  closeSockets,
  connectAs,
  ERROR,
  EventLog,
  RATE_LIMITED,
  request,
  waitForEvent,
} from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

describe('realtime (e2e)', () => {
  const t = useApp(MANY_REQUESTS);
  afterEach(() => closeSockets());

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
        data: { unread_count: 0, unread_mentions_count: 0, last_read_seq: expect.any(Number) },
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
});
