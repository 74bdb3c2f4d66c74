import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { MetricsService } from '../observability/metrics.service';
import { PresenceService } from './presence.service';
import type { RealtimeSocket } from './realtime-server';
import { TypingService } from './typing.service';

/**
 * The life of an accepted socket: counted in metrics and presence, and disconnected with
 * `auth:expired` when its access token runs out (the client refreshes and connects again).
 */
@Injectable()
export class SocketSessions implements OnModuleDestroy {
  private readonly expiries = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly metrics: MetricsService,
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
  ) {}

  opened(socket: RealtimeSocket): void {
    this.metrics.socketConnected();
    const timer = setTimeout(() => expire(socket), Math.max(0, socket.data.tokenExpiresAt - Date.now()));
    this.expiries.set(socket.id, timer);
    void this.presence.connected(socket);
  }

  closed(socket: RealtimeSocket): void {
    this.metrics.socketDisconnected();
    clearTimeout(this.expiries.get(socket.id));
    this.expiries.delete(socket.id);
    this.typing.socketClosed(socket);
    void this.presence.disconnected(socket.data.user.id);
  }

  onModuleDestroy(): void {
    for (const timer of this.expiries.values()) clearTimeout(timer);
  }
}

/** A server-side disconnect: socket.io-client does not reconnect by itself after it. */
function expire(socket: RealtimeSocket): void {
  socket.emit('auth:expired', { message: 'The access token has expired; refresh it and connect again' });
  socket.disconnect();
}
