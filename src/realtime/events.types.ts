import type { ErrorBody } from '../common/http/error-status.mapping';
import type {
  CLIENT_EVENTS,
  ClientEventName,
  SERVER_EVENTS,
  ServerEventName,
} from './socket-contract.catalog';

/**
 * The socket events typed for socket.io and socket.io-client:
 * `io(url) as Socket<ServerToClientEvents, ClientToServerEvents>`. Derived from the catalog
 * (socket-contract.catalog.ts), like docs/asyncapi.json: a payload's type is its DTO class's instance.
 */

/** Every client event is answered through its acknowledgement callback with one of these. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckCallback<T> = (response: Ack<T>) => void;
export type Empty = Record<string, never>;

type Instance<C> = C extends abstract new (...args: never[]) => infer T ? T : Empty;

/** The payload a client event carries: an instance of its catalog payload class. */
export type PayloadOf<E extends ClientEventName> = Instance<(typeof CLIENT_EVENTS)[E]['payload']>;
/** The `data` of a client event's successful ack (`{}` where the catalog has no ack class). */
export type AckDataOf<E extends ClientEventName> = Instance<(typeof CLIENT_EVENTS)[E]['ack']>;
/** The payload of a server event. */
export type ServerPayloadOf<E extends ServerEventName> = Instance<(typeof SERVER_EVENTS)[E]['payload']>;

export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: PayloadOf<E>, ack: AckCallback<AckDataOf<E>>) => void;
};

export type ServerToClientEvents = {
  [E in ServerEventName]: (payload: ServerPayloadOf<E>) => void;
};

/** What the handshake stores on each socket (`socket.data`). */
export interface SocketData {
  user: { id: number; username: string };
  tokenExpiresAt: number;
  /** Client events whose handler has not finished (see WsRateLimitInterceptor). */
  inFlight?: number;
}
