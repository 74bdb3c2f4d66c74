import { JwtService } from '@nestjs/jwt';
import { LifecycleService } from '../src/lifecycle/lifecycle.service';
import { startApp, TestApp } from './support/app.fixture';
import { createChat } from './support/chats.helpers';
import { send } from './support/messages.helpers';
import {
  ClientSocket,
  closeSockets,
  connect,
  connectAs,
  limitedCount,
  RATE_LIMITED,
  refusal,
  request,
  serverSocketOf,
  socketFor,
} from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

/** Disconnects and resolves once the server has let the socket go (its rooms left). */
async function disconnected(t: TestApp, client: ClientSocket): Promise<void> {
  const server = serverSocketOf(t, client);
  const gone = new Promise((resolve) => server.once('disconnect', resolve));
  client.disconnect();
  await gone;
}

describe('realtime limits (e2e)', () => {
  afterEach(() => closeSockets());

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
