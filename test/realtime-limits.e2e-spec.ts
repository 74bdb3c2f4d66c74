import type { Type } from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { GATEWAY_METADATA, MESSAGE_MAPPING_METADATA } from '@nestjs/websockets/constants';
import { CLIENT_EVENTS } from '../src/realtime/socket-contract.catalog';
import type { ClientToServerEvents } from '../src/realtime/events.types';
import { LifecycleService } from '../src/observability/lifecycle.service';
import { MetricsService, type SocketLimit } from '../src/observability/metrics.service';
import { RealtimeServer, type RealtimeSocket } from '../src/realtime/realtime-server';
import { IN_FLIGHT_RETRY_MS, WsRateLimitInterceptor } from '../src/realtime/socket-rate-limit';
import { startApp, TestApp } from './support/app';
import { ChatBody, createChat } from './support/chats';
import { send } from './support/messages';
import {
  ClientSocket,
  closeSockets,
  connect,
  connectAs,
  RATE_LIMITED,
  refusal,
  request,
  socketFor,
} from './support/sockets';
import { registerUser, TestUser } from './support/users';

type ClientEvent = keyof ClientToServerEvents;

function serverSocketOf(t: TestApp, client: ClientSocket): RealtimeSocket {
  const socket = t.app
    .get(RealtimeServer)
    .io.of('/')
    .sockets.get(client.id ?? '');
  if (!socket) throw new Error(`no server socket for ${client.id}`);
  return socket;
}

/** Disconnects and resolves once the server has let the socket go (its rooms left). */
async function disconnected(t: TestApp, client: ClientSocket): Promise<void> {
  const server = serverSocketOf(t, client);
  const gone = new Promise((resolve) => server.once('disconnect', resolve));
  client.disconnect();
  await gone;
}

/** chat_socket_limited_total{limit}: what the operators see of the limits at work. */
async function limitedCount(t: TestApp, limit: SocketLimit): Promise<number> {
  const metric = t.app.get(MetricsService).registry.getSingleMetric('chat_socket_limited_total');
  const { values } = await metric!.get();
  return values.find((sample) => sample.labels.limit === limit)?.value ?? 0;
}

const isRateLimited = (ack: { ok: boolean; error?: { code: string } }): boolean =>
  !ack.ok && ack.error?.code === 'rate_limited';

describe('realtime limits (e2e)', () => {
  afterEach(() => closeSockets());

  describe('every client event', () => {
    let t: TestApp;
    let user: TestUser;
    let chat: ChatBody;
    let socket: ClientSocket;
    const BURST = 3;
    const PER_SECOND = 10;
    const FLOOD = 12;

    beforeAll(async () => {
      const rate = `${BURST},${PER_SECOND}`;
      t = await startApp({
        SOCKET_RATE_MESSAGE_SEND: rate,
        SOCKET_RATE_MESSAGE_EDIT: rate,
        SOCKET_RATE_MESSAGE_DELETE: rate,
        SOCKET_RATE_CHAT_READ: rate,
        SOCKET_RATE_CHAT_SYNC: rate,
        SOCKET_RATE_TYPING: rate,
      });
      user = await registerUser(t);
      chat = await createChat(t, user, []);
    });
    beforeEach(async () => {
      socket = await connectAs(t, user);
    });
    afterAll(() => t.close());

    /** A valid payload of each event, fresh for each call (a delete needs a message of its own). */
    const payloads: { [E in ClientEvent]: () => Promise<object> } = {
      'message:send': () => Promise.resolve({ chat_id: chat.id, content: 'flood' }),
      'message:edit': async () => {
        const message = await send(t, user, chat.id, 'to edit');
        return { chat_id: chat.id, message_id: message.id, content: 'edited' };
      },
      'message:delete': async () => {
        const message = await send(t, user, chat.id, 'to delete');
        return { chat_id: chat.id, message_id: message.id };
      },
      'chat:read': () => Promise.resolve({ chat_id: chat.id }),
      'chat:sync': () => Promise.resolve({ chat_id: chat.id, after_seq: 0 }),
      typing: () => Promise.resolve({ chat_id: chat.id, is_typing: true }),
    };

    it.each(Object.keys(payloads) as ClientEvent[])(
      'answers a flood of %s with 429 and retry_after_ms, and serves the socket again after the wait',
      async (event) => {
        const flood = await Promise.all(Array.from({ length: FLOOD }, () => payloads[event]()));
        const acks = await Promise.all(flood.map((payload) => request(socket, event, payload)));
        const limited = acks.filter(isRateLimited);
        // The burst passes; a token or two may refill while the flood is answered.
        expect(limited.length).toBeGreaterThanOrEqual(FLOOD - BURST - 2);
        for (const ack of limited) {
          expect(ack).toEqual(RATE_LIMITED);
          const { retry_after_ms } = (ack as { error: { details: { retry_after_ms: number } } }).error
            .details;
          expect(retry_after_ms).toBeGreaterThan(0);
          expect(retry_after_ms).toBeLessThanOrEqual(1000 / PER_SECOND);
        }
        expect(acks.filter((ack) => !ack.ok && !isRateLimited(ack))).toEqual([]);

        const waitMs = Math.max(
          ...limited.map((ack) => (ack as typeof RATE_LIMITED).error.details.retry_after_ms as number),
        );
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        expect(socket.connected).toBe(true);
        expect(await request(socket, event, await payloads[event]())).toMatchObject({ ok: true });
      },
    );

    it('keeps each event its own budget, and each user theirs', async () => {
      const other = await registerUser(t);
      const otherChat = await createChat(t, other, []);
      const otherSocket = await connectAs(t, other);
      const sends = await Promise.all(
        Array.from({ length: FLOOD }, () =>
          request(socket, 'message:send', { chat_id: chat.id, content: 'x' }),
        ),
      );
      expect(sends.filter(isRateLimited).length).toBeGreaterThan(0);
      expect(await request(socket, 'chat:sync', { chat_id: chat.id, after_seq: 0 })).toMatchObject({
        ok: true,
      });
      expect(
        await request(otherSocket, 'message:send', { chat_id: otherChat.id, content: 'calm' }),
      ).toMatchObject({ ok: true });
    });
  });

  describe('with the default limits', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startApp();
    });
    afterAll(() => t.close());

    it('puts every handler of every gateway of the app under the rate-limit interceptor', () => {
      const gateways = [...t.app.get(ModulesContainer).values()]
        .flatMap((module) => [...module.providers.values()])
        .map((wrapper) => wrapper.metatype as unknown)
        .filter(
          (type): type is Type =>
            typeof type === 'function' && Reflect.getMetadata(GATEWAY_METADATA, type) === true,
        );
      const unlimited: string[] = [];
      let handlers = 0;
      for (const gateway of gateways) {
        const prototype = gateway.prototype as Record<string, unknown>;
        for (const name of Object.getOwnPropertyNames(prototype)) {
          const method = prototype[name];
          if (typeof method !== 'function' || !Reflect.getMetadata(MESSAGE_MAPPING_METADATA, method))
            continue;
          handlers += 1;
          const interceptors = [
            ...((Reflect.getMetadata(INTERCEPTORS_METADATA, gateway) as unknown[] | undefined) ?? []),
            ...((Reflect.getMetadata(INTERCEPTORS_METADATA, method) as unknown[] | undefined) ?? []),
          ];
          if (!interceptors.includes(WsRateLimitInterceptor)) unlimited.push(`${gateway.name}.${name}`);
        }
      }
      expect(handlers).toBeGreaterThanOrEqual(Object.keys(CLIENT_EVENTS).length);
      expect(unlimited).toEqual([]);
    });

    it('serves a reconnect that syncs and marks read 50 chats at once, and read receipts while scrolling', async () => {
      const [user, friend] = await Promise.all([registerUser(t), registerUser(t)]);
      const chats = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          createChat(t, user, [friend], { chat_type: 'response', post_id: i + 1 }),
        ),
      );
      await Promise.all(chats.map((chat) => send(t, friend, chat.id, 'news')));
      const socket = await connectAs(t, user);

      const acks = await Promise.all(
        chats.flatMap((chat) => [
          request(socket, 'chat:sync', { chat_id: chat.id, after_seq: 0, limit: 1 }),
          request(socket, 'chat:read', { chat_id: chat.id }),
        ]),
      );
      expect(acks.filter((ack) => !ack.ok)).toEqual([]);
      // Each chat's second page.
      const pages = await Promise.all(
        chats.map((chat) => request(socket, 'chat:sync', { chat_id: chat.id, after_seq: 1 })),
      );
      expect(pages.filter((ack) => !ack.ok)).toEqual([]);

      // Scrolling through a chat's history, a receipt per message as it comes into view.
      const [chat] = chats;
      for (let i = 0; i < 30; i++) await send(t, friend, chat.id, `older ${i}`);
      const receipts = await Promise.all(
        Array.from({ length: 31 }, (_, i) =>
          request(socket, 'chat:read', { chat_id: chat.id, up_to_seq: i + 1 }),
        ),
      );
      expect(receipts.filter((ack) => !ack.ok)).toEqual([]);
    }, 30_000);
  });

  describe('events in flight per socket', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startApp({ SOCKET_MAX_EVENTS_IN_FLIGHT: '2', SOCKET_RATE_CHAT_SYNC: '1000,1000' });
    });
    afterAll(() => t.close());

    it('answers 429 at once past the cap, counts only unfinished events, and limits per socket', async () => {
      const user = await registerUser(t);
      const chat = await createChat(t, user, []);
      await send(t, user, chat.id, 'hello');
      const [socket, second] = await Promise.all([connectAs(t, user), connectAs(t, user)]);
      const sync = (s: ClientSocket) => request(s, 'chat:sync', { chat_id: chat.id, after_seq: 0 });

      const acks = await Promise.all(Array.from({ length: 20 }, () => sync(socket)));
      const limited = acks.filter(isRateLimited);
      expect(limited.length).toBeGreaterThanOrEqual(1);
      for (const ack of limited) {
        expect(ack).toEqual({
          ...RATE_LIMITED,
          error: { ...RATE_LIMITED.error, details: { retry_after_ms: IN_FLIGHT_RETRY_MS } },
        });
      }
      expect(acks.filter((ack) => ack.ok).length).toBeGreaterThanOrEqual(2);
      expect(await limitedCount(t, 'events_in_flight')).toBe(limited.length);
      expect(acks.filter((ack) => !ack.ok && !isRateLimited(ack))).toEqual([]);

      // Once answered, events no longer count: one after another, each passes.
      for (let i = 0; i < 5; i++) expect(await sync(socket)).toMatchObject({ ok: true });
      // Another socket of the same user has its own count.
      const [a, b] = await Promise.all([sync(second), sync(second)]);
      expect([a.ok, b.ok]).toEqual([true, true]);
    });
  });

  describe('connections, behind a trusted proxy', () => {
    let t: TestApp;
    let nextAddress = 1;
    const address = (): string => `198.51.100.${nextAddress++}`;
    const socketFrom = (user: TestUser | undefined, from: string): ClientSocket =>
      socketFor(t, {
        auth: user ? { token: user.access_token } : {},
        headers: { 'x-forwarded-for': from },
      });

    beforeAll(async () => {
      t = await startApp({
        TRUST_PROXY: 'loopback',
        SOCKET_MAX_PER_USER: '2',
        SOCKET_HANDSHAKES_PER_USER: '4',
        SOCKET_HANDSHAKES_PER_ADDRESS: '3',
      });
    });
    afterAll(() => t.close());

    it("refuses a user's socket past the cap with limit_exceeded, and admits one again when one closes", async () => {
      const user = await registerUser(t);
      const first = socketFrom(user, address());
      await connect(first);
      await connect(socketFrom(user, address()));
      const refused = await refusal(socketFrom(user, address()));
      expect(refused.message).toBe('limit_exceeded');
      expect(await limitedCount(t, 'sockets_per_user')).toBe(1);
      expect(refused.data).toEqual({
        status: 409,
        code: 'limit_exceeded',
        message: expect.any(String),
        details: { limit: 2 },
      });
      // Another user is not affected.
      await connect(socketFrom(await registerUser(t), address()));

      await disconnected(t, first);
      await connect(socketFrom(user, address()));
    });

    it('refuses connection attempts of one user past the per-minute budget with rate_limited', async () => {
      const user = await registerUser(t);
      for (let i = 0; i < 4; i++) {
        const socket = socketFrom(user, address());
        await connect(socket);
        await disconnected(t, socket);
      }
      const refused = await refusal(socketFrom(user, address()));
      expect(refused.message).toBe('rate_limited');
      expect(refused.data).toEqual(RATE_LIMITED.error);
      const { retry_after_ms } = (refused.data as { details: { retry_after_ms: number } }).details;
      expect(await limitedCount(t, 'handshakes_per_user')).toBe(1);
      // 4 a minute: one more every 15 s.
      expect(retry_after_ms).toBeGreaterThan(10_000);
      expect(retry_after_ms).toBeLessThanOrEqual(15_000);
      await connect(socketFrom(await registerUser(t), address()));
    });

    it("does not let tokens forged in a user's name spend that user's budget", async () => {
      const victim = await registerUser(t);
      const forged = new JwtService().sign(
        { sub: victim.id, username: victim.username },
        { secret: 'not-the-secret-not-the-secret-0000', expiresIn: 600 },
      );
      for (let i = 0; i < 6; i++) {
        const attempt = socketFor(t, { auth: { token: forged }, headers: { 'x-forwarded-for': address() } });
        expect((await refusal(attempt)).message).toBe('unauthorized');
      }
      for (let i = 0; i < 2; i++) await connect(socketFrom(victim, address()));
    });

    it('refuses attempts from one client address (X-Forwarded-For, trusted) past the budget, before authentication', async () => {
      const from = address();
      const [a, b] = await Promise.all([registerUser(t), registerUser(t)]);
      await connect(socketFrom(a, from));
      expect((await refusal(socketFrom(undefined, from))).message).toBe('unauthorized');
      await connect(socketFrom(b, from));
      const refused = await refusal(socketFrom(await registerUser(t), from));
      expect(refused.message).toBe('rate_limited');
      expect(refused.data).toEqual(RATE_LIMITED.error);
      // 3 a minute: one more every 20 s.
      const { retry_after_ms } = (refused.data as { details: { retry_after_ms: number } }).details;
      expect(retry_after_ms).toBeGreaterThan(15_000);
      expect(retry_after_ms).toBeLessThanOrEqual(20_000);
      expect((await refusal(socketFrom(undefined, from))).message).toBe('rate_limited');
      await connect(socketFrom(a, address()));
      expect(await limitedCount(t, 'handshakes_per_address')).toBe(2);
    });
  });

  describe('connections, without a trusted proxy', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startApp({ SOCKET_HANDSHAKES_PER_ADDRESS: '2' });
    });
    afterAll(() => t.close());

    it('counts the peer address and ignores X-Forwarded-For', async () => {
      const user = await registerUser(t);
      const attempt = (from: string): ClientSocket =>
        socketFor(t, { auth: { token: user.access_token }, headers: { 'x-forwarded-for': from } });
      await connect(attempt('203.0.113.1'));
      await connect(attempt('203.0.113.2'));
      expect((await refusal(attempt('203.0.113.3'))).message).toBe('rate_limited');
    });
  });

  describe('unsent output', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startApp({ SOCKET_MAX_UNSENT_BYTES: String(64 * 1024) });
    });
    afterAll(() => t.close());

    it('drops a client that stops reading instead of buffering its answers, and serves the others', async () => {
      const [reader, sleeper] = await Promise.all([registerUser(t), registerUser(t)]);
      const chat = await createChat(t, reader, [sleeper]);
      for (let i = 0; i < 100; i += 20) {
        await Promise.all(
          Array.from({ length: 20 }, (_, j) => send(t, reader, chat.id, `${i + j} ${'x'.repeat(3990)}`)),
        );
      }
      const socket = await connectAs(t, sleeper);
      const server = serverSocketOf(t, socket);
      const dropped = new Promise<string>((resolve) => server.once('disconnect', resolve));

      // The client stops reading its TCP connection: the kernel's buffers fill, then the server's.
      const engine = socket.io.engine as unknown as { transport: { ws: { _socket: { pause(): void } } } };
      engine.transport.ws._socket.pause();
      // Each page is some 400 KB: far past the kernel's buffers and the 64 KB cap.
      for (let i = 0; i < 40; i++) {
        socket.emit('chat:sync', { chat_id: chat.id, after_seq: 0, limit: 100 }, () => undefined);
      }
      // Dropped at once, its queued writes failing with it.
      expect(['transport close', 'transport error']).toContain(await dropped);
      expect(await limitedCount(t, 'unsent_output')).toBe(1);

      const readerSocket = await connectAs(t, reader);
      const page = await request(readerSocket, 'chat:sync', { chat_id: chat.id, after_seq: 0, limit: 100 });
      expect(page).toMatchObject({ ok: true });
      // The dropped socket's events still finish (their acks go nowhere): let them, before the app closes.
      expect(await t.app.get(LifecycleService).whenIdle(10_000)).toBe(true);
    }, 30_000);
  });
});
