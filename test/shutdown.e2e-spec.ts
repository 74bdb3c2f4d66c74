import { Client } from 'pg';
import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../src/realtime/events.types';
import { buildService, removeBuild, ServiceProcess, startService } from './support/service-process.fixture';

const API = '/api/v1';
/** Senders per channel (REST and socket), each sending one message after another. */
const SENDERS = 6;
/**
 * Acknowledged sends before the signal: enough that the drain starts under steady load, few
 * enough that no socket user reaches the realtime send budget (a burst of 20 per user).
 */
const ACKS_BEFORE_SIGNAL = 60;
/** A bound on every loop, whatever happens. */
const MAX_SENDS_PER_SENDER = 400;

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Outcome = 'acknowledged' | 'refused' | 'connection_lost' | 'other';

interface Attempt {
  channel: 'rest' | 'socket';
  clientMessageId: string;
  startedAt: number;
  endedAt: number;
  outcome: Outcome;
  detail?: unknown;
}

interface Account {
  id: number;
  token: string;
}

async function call(
  origin: string,
  path: string,
  init: RequestInit & { token?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  return fetch(`${origin}${API}${path}`, { ...init, headers });
}

async function register(origin: string, name: string): Promise<Account> {
  const res = await call(origin, '/auth/register', {
    method: 'POST',
    body: JSON.stringify({
      username: `${name}_${Date.now().toString(36)}`,
      password: 'correct horse battery',
    }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { user: { id: number }; access_token: string };
  return { id: body.user.id, token: body.access_token };
}

function connectSocket(origin: string, account: Account): Promise<ClientSocket> {
  const socket: ClientSocket = io(origin, {
    auth: { token: account.token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

async function committed(chatId: number): Promise<{ ids: Set<string>; seqs: number[] }> {
  const db = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await db.connect();
  try {
    const { rows } = await db.query<{ client_message_id: string; seq: number }>(
      'SELECT client_message_id, seq FROM messages WHERE chat_id = $1 ORDER BY seq',
      [chatId],
    );
    return { ids: new Set(rows.map((row) => row.client_message_id)), seqs: rows.map((row) => row.seq) };
  } finally {
    await db.end();
  }
}

async function sendOverRest(origin: string, author: Account, chatId: number, id: string): Promise<Outcome> {
  try {
    const res = await call(origin, `/chats/${chatId}/messages`, {
      method: 'POST',
      token: author.token,
      body: JSON.stringify({ content: `message ${id}`, client_message_id: id }),
    });
    await res.arrayBuffer();
    return res.status === 201 ? 'acknowledged' : 'other';
  } catch {
    return 'connection_lost';
  }
}

async function sendOverSocket(socket: ClientSocket, chatId: number, id: string): Promise<Outcome> {
  try {
    const ack = (await socket.timeout(10_000).emitWithAck('message:send', {
      chat_id: chatId,
      content: `message ${id}`,
      client_message_id: id,
    })) as Ack<unknown>;
    if (ack.ok) return 'acknowledged';
    return ack.error.status === 503 && ack.error.code === 'service_unavailable' ? 'refused' : 'other';
  } catch {
    return 'connection_lost';
  }
}

describe('graceful shutdown of the real process (e2e)', () => {
  let build: string;
  let service: ServiceProcess | undefined;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    build = await buildService();
  }, 120_000);
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    if (service?.child.exitCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
  });
  afterAll(() => removeBuild(build));

  it('on SIGTERM finishes every in-flight send (REST and socket), loses no acknowledged message, exits 0', async () => {
    service = await startService(build, { LOG_LEVEL: 'info' });
    const { origin, child } = service;
    const restAuthor = await register(origin, 'rest');
    const socketAuthors: Account[] = [];
    for (let index = 0; index < SENDERS; index += 1)
      socketAuthors.push(await register(origin, `sock${index}`));
    const created = await call(origin, '/chats', {
      method: 'POST',
      token: restAuthor.token,
      body: JSON.stringify({ member_ids: socketAuthors.map((author) => author.id) }),
    });
    expect(created.status).toBe(201);
    const chatId = ((await created.json()) as { id: number }).id;
    for (const author of socketAuthors) sockets.push(await connectSocket(origin, author));
    const disconnectReasons = sockets.map(
      (socket) => new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason))),
    );

    const attempts: Attempt[] = [];
    let acknowledged = 0;
    let signalledAt = Infinity;
    let signal!: () => void;
    const signalled = new Promise<void>((resolve) => (signal = resolve));

    const sender = async (channel: Attempt['channel'], index: number): Promise<void> => {
      for (let n = 0; n < MAX_SENDS_PER_SENDER; n += 1) {
        const clientMessageId = `${channel}${index}-${n}`;
        const attempt: Attempt = {
          channel,
          clientMessageId,
          startedAt: performance.now(),
          endedAt: 0,
          outcome: 'other',
        };
        attempts.push(attempt);
        attempt.outcome =
          channel === 'rest'
            ? await sendOverRest(origin, restAuthor, chatId, clientMessageId)
            : await sendOverSocket(sockets[index], chatId, clientMessageId);
        attempt.endedAt = performance.now();
        if (attempt.outcome !== 'acknowledged') return;
        acknowledged += 1;
        if (acknowledged === ACKS_BEFORE_SIGNAL) {
          signalledAt = performance.now();
          child.kill('SIGTERM');
          signal();
        }
      }
    };

    const senders = Array.from({ length: SENDERS }, (_, index) => [
      sender('rest', index),
      sender('socket', index),
    ]).flat();
    await signalled;
    const exit = await service.exited;
    await Promise.all(senders);

    expect(exit).toEqual({ code: 0, signal: null });
    const acked = attempts.filter((attempt) => attempt.outcome === 'acknowledged');
    const inFlightAtSignal = attempts.filter((a) => a.startedAt < signalledAt && a.endedAt > signalledAt);
    const afterSignal = attempts.filter((a) => a.startedAt > signalledAt);
    const { ids, seqs } = await committed(chatId);

    // Every send the client saw acknowledged is in the database, and the chat's seq has no gap.
    for (const attempt of acked) expect(ids.has(attempt.clientMessageId)).toBe(true);
    expect(ids.size).toBeGreaterThanOrEqual(acked.length);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    // Sends already on their way when the signal came were finished and acknowledged, except a
    // REST request written onto a kept-alive connection in the instant the server found it idle
    // and closed it (Node's server.close() closes idle connections; the server never read the
    // request). Such a send was not acknowledged and must not have been committed either: the
    // client retries it with the same client_message_id and nothing is lost or doubled.
    expect(inFlightAtSignal.length).toBeGreaterThan(0);
    const unread = (a: Attempt): boolean =>
      a.channel === 'rest' && a.outcome === 'connection_lost' && !ids.has(a.clientMessageId);
    expect(
      inFlightAtSignal
        .filter((a) => a.outcome !== 'acknowledged' && !unread(a))
        .map((a) => ({ ...a, committed: ids.has(a.clientMessageId), signalledAt })),
    ).toEqual([]);
    // Afterwards: served, refused with 503 or a closed connection; never a 5xx or a wrong answer.
    expect(attempts.filter((a) => a.outcome === 'other')).toEqual([]);
    // Sockets were closed at the transport, which socket.io-client answers by reconnecting.
    expect(await Promise.all(disconnectReasons)).toEqual(Array(SENDERS).fill('transport close'));

    const logged = service.logs().map((line) => line.msg);
    expect(logged).toEqual(
      expect.arrayContaining([
        'SIGTERM received, shutting down',
        'Draining: readiness answers 503',
        'Drained: no request or socket event in flight',
        'Stopped',
      ]),
    );
    const count = (list: Attempt[], channel: Attempt['channel'], outcome?: Outcome) =>
      list.filter((a) => a.channel === channel && (!outcome || a.outcome === outcome)).length;
    process.stdout.write(
      `shutdown: acknowledged and committed REST ${count(acked, 'rest')}, socket ${count(acked, 'socket')}; ` +
        `in flight at SIGTERM REST ${count(inFlightAtSignal, 'rest')}, socket ${count(inFlightAtSignal, 'socket')} ` +
        `(unacknowledged: ${inFlightAtSignal.filter((a) => a.outcome !== 'acknowledged').length}); after SIGTERM REST served ${count(afterSignal, 'rest', 'acknowledged')} / ` +
        `connection refused ${count(afterSignal, 'rest', 'connection_lost')}, socket acknowledged ` +
        `${count(afterSignal, 'socket', 'acknowledged')} / refused 503 ${count(afterSignal, 'socket', 'refused')} / ` +
        `lost ${count(afterSignal, 'socket', 'connection_lost')}; rows in chat ${ids.size}\n`,
    );
  }, 60_000);

  it('delivers the acks a slow client has queued before closing its connection', async () => {
    // Its output piles up past the default cap on purpose: the socket must not be dropped for it.
    service = await startService(build, { LOG_LEVEL: 'info', SOCKET_MAX_UNSENT_BYTES: String(1024 ** 3) });
    const { origin, child } = service;
    const author = await register(origin, 'slow');
    const other = await register(origin, 'other');
    const created = await call(origin, '/chats', {
      method: 'POST',
      token: author.token,
      body: JSON.stringify({ member_ids: [other.id] }),
    });
    const chatId = ((await created.json()) as { id: number }).id;
    for (let n = 0; n < 100; n += 1) {
      const res = await call(origin, `/chats/${chatId}/messages`, {
        method: 'POST',
        token: author.token,
        body: JSON.stringify({ content: `${n} `.padEnd(4000, 'x') }),
      });
      expect(res.status).toBe(201);
    }
    const socket = await connectSocket(origin, author);
    sockets.push(socket);

    // The client stops reading: 100 pages of 400 KB fill the kernel's buffers and then the
    // server's, so what the server answers next waits in engine.io's write buffer.
    const engine = socket.io.engine as unknown as {
      transport: { ws: { _socket: { pause(): void; resume(): void } } };
    };
    const tcp = engine.transport.ws._socket;
    tcp.pause();
    const pages = Array.from({ length: 100 }, () =>
      socket.timeout(30_000).emitWithAck('chat:sync', { chat_id: chatId, after_seq: 0, limit: 100 }),
    );
    const sent = socket.timeout(30_000).emitWithAck('message:send', {
      chat_id: chatId,
      content: 'last words',
      client_message_id: 'queued-ack',
    });
    for (let tries = 0; !(await committed(chatId)).ids.has('queued-ack'); tries += 1) {
      if (tries > 200) throw new Error('the send was never committed');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }

    child.kill('SIGTERM');
    const drained = 'Drained: no request or socket event in flight';
    await service.logged((line) => line.msg === drained, 10_000);
    // The connections are being closed now (the client cannot see it while it does not read);
    // it reads again well within the 2 s the server gives queued output.
    await new Promise((resolve) => setTimeout(resolve, 300));
    tcp.resume();

    const ack = (await sent) as Ack<{ client_message_id: string }>;
    expect(ack).toMatchObject({ ok: true, data: { client_message_id: 'queued-ack' } });
    expect((await Promise.all(pages)).every((page) => (page as Ack<unknown>).ok)).toBe(true);
    expect(await service.exited).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('answers readiness 503 from the signal on, while still serving, until the listener closes', async () => {
    service = await startService(build, { SHUTDOWN_DELAY_SECONDS: '2' });
    const { origin } = service;
    const ready = () => fetch(`${origin}/health/ready`);
    expect((await ready()).status).toBe(200);

    service.child.kill('SIGTERM');
    let res = await ready();
    for (let tries = 0; res.status === 200 && tries < 100; tries += 1) res = await ready();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 503,
      code: 'service_unavailable',
      details: { serving: { status: 'down', reason: 'shutting down' }, database: { status: 'up' } },
    });
    expect(res.headers.get('connection')).toBe('close');
    // Liveness still answers during the delay: the process is fine, only leaving.
    expect((await fetch(`${origin}/health/live`)).status).toBe(200);

    expect(await service.exited).toEqual({ code: 0, signal: null });
  }, 30_000);
});
