import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { MetricsService } from '../observability/metrics.service';
import { PresenceService } from './presence.service';
import type { RealtimeSocket } from './realtime.server';
import { TypingService } from './typing.service';

/**
 * The longest delay setTimeout takes (about 24.8 days): past it Node fires at once. A platform
 * token may live longer than that (its `exp` is the platform's choice); its timer wakes up at
 * this bound and waits again.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The sockets whose tokens expire at one moment, and the one timer that ends them. */
interface Expiry {
  timer: NodeJS.Timeout;
  sockets: Set<RealtimeSocket>;
}

/**
 * The life of an accepted socket: counted in metrics and presence, and disconnected with
 * `auth:expired` when its access token runs out (the client refreshes and connects again).
 * Tokens expire on whole seconds (JWT `exp`), so sockets share one timer per second rather than
 * holding one each.
 */
@Injectable()
export class SocketSessions implements OnModuleDestroy {
  /** By expiry time in ms since the epoch. */
  private readonly expiries = new Map<number, Expiry>();

  constructor(
    private readonly metrics: MetricsService,
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
  ) {}

  opened(socket: RealtimeSocket): void {
    this.metrics.socketConnected();
    const at = socket.data.tokenExpiresAt;
    let expiry = this.expiries.get(at);
    if (!expiry) {
      expiry = { timer: this.timerUntil(at), sockets: new Set() };
      this.expiries.set(at, expiry);
    }
    expiry.sockets.add(socket);
    void this.presence.connected(socket);
  }

  closed(socket: RealtimeSocket): void {
    this.metrics.socketDisconnected();
    const at = socket.data.tokenExpiresAt;
    const expiry = this.expiries.get(at);
    if (expiry?.sockets.delete(socket) && expiry.sockets.size === 0) {
      clearTimeout(expiry.timer);
      this.expiries.delete(at);
    }
    this.typing.socketClosed(socket);
    void this.presence.disconnected(socket.data.user.id);
  }

  onModuleDestroy(): void {
    for (const { timer } of this.expiries.values()) clearTimeout(timer);
    this.expiries.clear();
  }

  private timerUntil(at: number): NodeJS.Timeout {
    return setTimeout(() => this.expire(at), Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())));
  }

  private expire(at: number): void {
    const expiry = this.expiries.get(at);
    if (expiry && Date.now() < at) {
      expiry.timer = this.timerUntil(at);
      return;
    }
    this.expiries.delete(at);
    for (const socket of expiry?.sockets ?? []) expire(socket);
  }
}

/** A server-side disconnect: socket.io-client does not reconnect by itself after it. */
function expire(socket: RealtimeSocket): void {
  socket.emit('auth:expired', { message: 'The access token has expired; refresh it and connect again' });
  socket.disconnect();
}
