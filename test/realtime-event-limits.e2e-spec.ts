import type { Type } from '@nestjs/common';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { GATEWAY_METADATA, MESSAGE_MAPPING_METADATA } from '@nestjs/websockets/constants';
import { CLIENT_EVENTS } from '../src/realtime/socket-contract.catalog';
import type { ClientToServerEvents } from '../src/realtime/events.types';
import { IN_FLIGHT_RETRY_MS, WsRateLimitInterceptor } from '../src/realtime/socket-rate-limit.interceptor';
import { startApp, TestApp } from './support/app.fixture';
import { ChatBody, createChat } from './support/chats.helpers';
import { send } from './support/messages.helpers';
import {
  ClientSocket,
  closeSockets,
  connectAs,
  limitedCount,
  RATE_LIMITED,
  request,
} from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

type ClientEvent = keyof ClientToServerEvents;

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
        // message:react and chat:pin draw on the shared budget (each event its own bucket).
        SOCKET_RATE_OTHER: rate,
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
      'message:react': async () => {
        const message = await send(t, user, chat.id, 'to react to');
        return { chat_id: chat.id, message_id: message.id, emoji: '👍', on: true };
      },
      'chat:pin': async () => {
        const message = await send(t, user, chat.id, 'to pin');
        return { chat_id: chat.id, message_id: message.id, pinned: true };
      },
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
});
