import type { INestApplication, WsMessageHandler } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { catchError, defer, EMPTY, filter, type Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { RealtimeRedis } from './realtime-redis';
import type { RealtimeSocket } from './realtime-server';
import { SocketOutputLimit } from './socket-output';

/** Largest socket packet accepted; a message is at most 4000 characters (16 KB of UTF-8). */
export const SOCKET_MAX_PAYLOAD_BYTES = 64 * 1024;

/** Nest ships its own socket.io copy; its types, not the root package's, describe this server. */
type IoServer = ReturnType<IoAdapter['createIOServer']>;
type IoOptions = NonNullable<Parameters<IoAdapter['createIOServer']>[1]>;
type IoSocket = Parameters<IoAdapter['bindMessageHandlers']>[0];
type Transform = (result: unknown) => Observable<unknown>;
type Listener = (this: IoSocket, ...args: unknown[]) => void;

/** A handler's result: a value to acknowledge with, or `{event, data}` to emit instead. */
interface HandlerResponse {
  event?: string;
  data?: unknown;
}

/**
 * Socket.IO on the HTTP server with the service's limits and CORS, and, when REDIS_URL is set,
 * the Redis adapter, so that broadcasts and room changes reach the sockets of every instance.
 *
 * Client events reach the gateway's handlers as with Nest's IoAdapter (the same guards,
 * interceptors, pipes and filters run; the result is acknowledged or emitted the same way), but
 * an idle socket costs far less: Nest's adapter builds an RxJS pipeline per socket and per event
 * (some 30 KB per socket for the gateway's six events), this one shares one listener per event
 * name across all sockets and keeps only the handler list Nest hands over for each socket.
 * One difference: a socket that disconnects while its event is handled no longer cancels the
 * handling; the event finishes (and is logged, timed and counted as in-flight work until then),
 * and its acknowledgement goes nowhere, as the socket is gone.
 */
export class RealtimeIoAdapter extends IoAdapter {
  /** Each socket's handlers, bound by Nest to that socket; dropped with the socket. */
  private readonly handlersOf = new WeakMap<IoSocket, WsMessageHandler[]>();
  /** One listener per event name, shared by every socket (EventEmitter calls it with `this` = socket). */
  private readonly listeners = new Map<string, Listener>();
  /** Nest's result-to-Observable step: the same function for every socket (it holds no socket). */
  private transform?: Transform;
  private output?: SocketOutputLimit;

  constructor(private readonly app: INestApplication) {
    super(app);
  }

  override createIOServer(port: number, options?: IoOptions): IoServer {
    const config = this.app.get(AppConfig);
    const server = super.createIOServer(port, {
      ...options,
      serveClient: false,
      maxHttpBufferSize: SOCKET_MAX_PAYLOAD_BYTES,
      cors: { origin: config.corsOrigins, credentials: true },
    } as IoOptions);
    this.output = this.app.get(SocketOutputLimit);
    const redis = this.app.get(RealtimeRedis);
    if (redis.pub) {
      server.adapter(createAdapter(redis.publisher(), redis.subscriber(), { key: redis.key('socket.io') }));
    }
    return server;
  }

  override bindMessageHandlers(socket: IoSocket, handlers: WsMessageHandler[], transform: Transform): void {
    this.transform ??= transform;
    // Called once per gateway: a second gateway's handlers join the first's.
    const bound = this.handlersOf.get(socket) ?? [];
    for (const handler of handlers) {
      if (!bound.some(({ message }) => message === handler.message)) {
        socket.on(handler.message, this.listenerFor(handler.message));
      }
    }
    this.handlersOf.set(socket, bound.length === 0 ? handlers : [...bound, ...handlers]);
  }

  /** socket.io emits `disconnect` once per socket: no `once` wrapper needed. */
  override bindClientDisconnect(client: IoSocket, callback: (reason: string) => void): void {
    client.on('disconnect', callback);
  }

  private listenerFor(message: string): Listener {
    let listener = this.listeners.get(message);
    if (!listener) {
      const dispatch = (socket: IoSocket, payload: unknown): void => this.dispatch(socket, message, payload);
      // Called like fromEvent's handler: one argument as is, several as an array.
      listener = function (this: IoSocket, ...args: unknown[]): void {
        dispatch(this, args.length > 1 ? args : args[0]);
      };
      this.listeners.set(message, listener);
    }
    return listener;
  }

  /** What Nest's IoAdapter does with one event, without a standing pipeline per socket. */
  private dispatch(socket: IoSocket, message: string, payload: unknown): void {
    for (const handler of this.handlersOf.get(socket) ?? []) {
      if (handler.message === message) this.handle(socket, handler, payload);
    }
  }

  private handle(socket: IoSocket, handler: WsMessageHandler, payload: unknown): void {
    const transform = this.transform;
    if (!transform) return;
    const { data, ack } = this.mapPayload(payload) as { data: unknown; ack?: unknown };
    defer(() => transform(handler.callback(data, ack)))
      .pipe(
        filter((response): response is HandlerResponse => response !== null && response !== undefined),
        catchError((error: unknown) => {
          // A filter that rethrows is an app bug: log it rather than drop it (as Nest does).
          this.logger.error(error);
          return EMPTY;
        }),
      )
      .subscribe((response) => {
        if (!socket.connected) return;
        if (response.event) {
          socket.emit(response.event, response.data);
        } else if (!handler.isAckHandledManually && typeof ack === 'function') {
          (ack as (response: unknown) => void)(response);
          // The ack that takes a client which does not read past its output cap drops it.
          this.output?.check(socket as unknown as RealtimeSocket);
        }
      });
  }
}
