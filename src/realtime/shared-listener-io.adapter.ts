import type { WsMessageHandler } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { catchError, defer, EMPTY, filter, type Observable } from 'rxjs';

/** Nest ships its own socket.io copy; its types, not the root package's, describe these sockets. */
export type IoSocket = Parameters<IoAdapter['bindMessageHandlers']>[0];
type Transform = (result: unknown) => Observable<unknown>;
type Listener = (this: IoSocket, ...args: unknown[]) => void;

/** What Nest hands over for one gateway on one socket: its handlers, bound to the socket. */
interface Binding {
  handlers: WsMessageHandler[];
  /** Nest's handler-result-to-Observable step. */
  transform: Transform;
}

/** A handler's result: a value to acknowledge with, or `{event, data}` to emit instead. */
interface HandlerResponse {
  event?: string;
  data?: unknown;
}

/**
 * The one place that re-implements a piece of Nest: IoAdapter's per-socket dispatch of client
 * events to the gateways' handlers (IoAdapter.bindMessageHandlers). Nest's builds an RxJS pipeline
 * per socket and per event; this adapter shares one listener per event name across all sockets and
 * keeps only what Nest hands over for each socket. It buys memory per idle socket:
 * `npm run bench -- connect --quick --repeats 3` (1000 idle sockets, the gateway's 6 client events)
 * measured a heap per idle socket of 13.3 KB with it against 38.3 KB with Nest's dispatch (bare
 * Socket.IO baseline 11.9 KB: 1.11x against 3.23x, the target being at most 1.3x). The full run of
 * docs/bench-results.md has 11.6 KB; 39.4 KB before this adapter (README, "What these numbers depend on").
 *
 * Everything else runs as with Nest's IoAdapter: the same guards, interceptors, pipes and filters
 * (they are inside the handler callback Nest hands over); the result is acknowledged or emitted the
 * same way. One difference: a socket that disconnects while its event is handled does not cancel
 * the handling; the event finishes (and is logged, timed and counted as in-flight work until
 * then), and its acknowledgement goes nowhere, as the socket is gone.
 *
 * What it relies on from @nestjs/websockets and @nestjs/platform-socket.io is pinned by
 * shared-listener-io.adapter.spec.ts: the shape of WsMessageHandler, one bindMessageHandlers call
 * per socket and gateway whose transform turns a handler's result into an Observable,
 * IoAdapter.mapPayload's reading of the listener arguments, and one `disconnect` per socket.
 */
export class SharedListenerIoAdapter extends IoAdapter {
  /** Each socket's bindings, one per gateway; dropped with the socket. */
  private readonly bindingsOf = new WeakMap<IoSocket, Binding[]>();
  /** One listener per event name, shared by every socket (EventEmitter calls it with `this` = socket). */
  private readonly listeners = new Map<string, Listener>();

  override bindMessageHandlers(socket: IoSocket, handlers: WsMessageHandler[], transform: Transform): void {
    // Called once per gateway: a second gateway's handlers join the first's.
    const bindings = this.bindingsOf.get(socket) ?? [];
    for (const handler of handlers) {
      const known = bindings.some((binding) =>
        binding.handlers.some(({ message }) => message === handler.message),
      );
      if (!known) socket.on(handler.message, this.listenerFor(handler.message));
    }
    bindings.push({ handlers, transform });
    this.bindingsOf.set(socket, bindings);
  }

  /** socket.io emits `disconnect` once per socket: no `once` wrapper needed. */
  override bindClientDisconnect(client: IoSocket, callback: (reason: string) => void): void {
    client.on('disconnect', callback);
  }

  /** Called right after a result is acknowledged to the socket's client. */
  protected acknowledged(_socket: IoSocket): void {}

  private listenerFor(message: string): Listener {
    let listener = this.listeners.get(message);
    if (!listener) {
      const dispatch = (socket: IoSocket, payload: unknown): void => this.dispatch(socket, message, payload);
      // Called like rxjs fromEvent's handler in Nest's adapter: one argument as is, several as an array.
      listener = function (this: IoSocket, ...args: unknown[]): void {
        dispatch(this, args.length > 1 ? args : args[0]);
      };
      this.listeners.set(message, listener);
    }
    return listener;
  }

  /** What Nest's IoAdapter does with one event, without a standing pipeline per socket. */
  private dispatch(socket: IoSocket, message: string, payload: unknown): void {
    for (const { handlers, transform } of this.bindingsOf.get(socket) ?? []) {
      for (const handler of handlers) {
        if (handler.message === message) this.handle(socket, handler, transform, payload);
      }
    }
  }

  private handle(socket: IoSocket, handler: WsMessageHandler, transform: Transform, payload: unknown): void {
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
          this.acknowledged(socket);
        }
      });
  }
}
