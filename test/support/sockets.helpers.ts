import { io, type Socket } from 'socket.io-client';
import { MetricsService, type SocketLimit } from '../../src/observability/metrics.service';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../../src/realtime/events.types';
import { RealtimeServer, type RealtimeSocket } from '../../src/realtime/realtime.server';
import type { TestApp } from './app.fixture';
import type { TestUser } from './users.helpers';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ServerEvent = keyof ServerToClientEvents;
export type ServerPayload<E extends ServerEvent> = Parameters<ServerToClientEvents[E]>[0];
type AckData<E extends keyof ClientToServerEvents> =
  Parameters<Parameters<ClientToServerEvents[E]>[1]>[0] extends Ack<infer T> ? T : never;

export interface ConnectOptions {
  auth?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** A socket.io-client socket to the app, not yet connected; websocket only, no automatic reconnects. */
export function socketFor(t: TestApp, options: ConnectOptions = {}): ClientSocket {
  return io(t.origin, {
    autoConnect: false,
    reconnection: false,
    forceNew: true,
    transports: ['websocket'],
    auth: options.auth,
    extraHeaders: options.headers,
  });
}

/** The ack of a client event a socket limit refused; its `error` is also a refused handshake's data. */
export const RATE_LIMITED = {
  ok: false,
  error: {
    status: 429,
    code: 'rate_limited',
    message: expect.any(String),
    details: { retry_after_ms: expect.any(Number) },
  },
};

/** Any error in the contract's shape: an error ack's `error`, a refused handshake's `data`. */
export const ERROR = { status: expect.any(Number), code: expect.any(String), message: expect.any(String) };

const opened: ClientSocket[] = [];

/** Connects as `user` (auth: {token}) and resolves once the server accepted the socket. */
export async function connectAs(t: TestApp, user: TestUser): Promise<ClientSocket> {
  const socket = socketFor(t, { auth: { token: user.access_token } });
  await connect(socket);
  return socket;
}

export function connect(socket: ClientSocket): Promise<void> {
  opened.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
    socket.connect();
  });
}

/** The refusal of a connection attempt: rejects if the server accepts it instead. */
export function refusal(socket: ClientSocket): Promise<Error & { data?: unknown }> {
  opened.push(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('the connection was accepted')));
    socket.once('connect_error', resolve);
    socket.connect();
  });
}

/** Closes every socket the helpers opened (call in afterEach / afterAll). */
export function closeSockets(): void {
  for (const socket of opened.splice(0)) socket.disconnect();
}

/** The next `name` event (matching `accept`, if given) on the socket, or a rejection after `timeoutMs`. */
export function waitForEvent<E extends ServerEvent>(
  socket: ClientSocket,
  name: E,
  timeoutMs = 5000,
  accept: (payload: ServerPayload<E>) => boolean = () => true,
): Promise<ServerPayload<E>> {
  return new Promise((resolve, reject) => {
    const listener = (payload: ServerPayload<E>): void => {
      if (!accept(payload)) return;
      clearTimeout(timer);
      socket.off(name, listener as never);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      socket.off(name, listener as never);
      reject(new Error(`no ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(name, listener as never);
  });
}

/** Emits a client event and resolves with its acknowledgement. */
export function request<E extends keyof ClientToServerEvents>(
  socket: ClientSocket,
  name: E,
  payload: unknown,
  timeoutMs = 5000,
): Promise<Ack<AckData<E>>> {
  const emitter = socket.timeout(timeoutMs) as unknown as {
    emitWithAck: (event: E, payload: unknown) => Promise<Ack<AckData<E>>>;
  };
  return emitter.emitWithAck(name, payload);
}

/** Every event a socket receives, in order, from now on: for "never receives" checks. */
export class EventLog {
  readonly events: { name: string; payload: unknown }[] = [];

  constructor(socket: ClientSocket) {
    socket.onAny((name: string, payload: unknown) => this.events.push({ name, payload }));
  }

  /** Names of the events about one chat: payloads with that `chat_id`, or that chat itself. */
  about(chatId: number): string[] {
    return this.events
      .filter(({ name, payload }) => {
        const { chat_id, id } = (payload ?? {}) as { chat_id?: number; id?: number };
        return chat_id === chatId || (name.startsWith('chat:') && id === chatId);
      })
      .map(({ name }) => name);
  }

  named(name: ServerEvent): unknown[] {
    return this.events.filter((event) => event.name === name).map((event) => event.payload);
  }
}

/** The server's side of a connected client socket. */
export function serverSocketOf(t: TestApp, client: ClientSocket): RealtimeSocket {
  const socket = t.app
    .get(RealtimeServer)
    .io.of('/')
    .sockets.get(client.id ?? '');
  if (!socket) throw new Error(`no server socket for ${client.id}`);
  return socket;
}

/** chat_socket_limited_total{limit}: what the operators see of the limits at work. */
export async function limitedCount(t: TestApp, limit: SocketLimit): Promise<number> {
  const metric = t.app.get(MetricsService).registry.getSingleMetric('chat_socket_limited_total');
  const { values } = await metric!.get();
  return values.find((sample) => sample.labels.limit === limit)?.value ?? 0;
}
