import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { BanRegistry } from '../auth/ban-registry.service';
import { DomainEvent, DomainEventBus } from '../events/domain-events.bus';
import { RealtimeRedis } from './realtime-redis.client';
import { RealtimeServer } from './realtime.server';
import { userRoom } from './rooms.util';

/** Tells the other instances' BanRegistry of a ban or unban (a server-side emit through the adapter). */
export const BANS_EVENT = 'bans:changed';

/** The payload of {@link BANS_EVENT}: `until` ms since the epoch, null for good; absent: lifted. */
interface BansChanged {
  user_id: number;
  until?: number | null;
}

const BANNED_MESSAGE = 'This account is banned';

/**
 * Makes a ban take effect on every instance at once:
 * 1. tells the other instances' ban registries (BANS_EVENT through Redis), so their HTTP guard
 *    and socket handshake refuse the user from then on;
 * 2. then sends `auth:banned` to the user's sockets and disconnects them, on every instance
 *    (through the adapter). Published in this order on one Redis connection, which every other
 *    instance reads in order: a socket that reconnects at once already meets the refusal.
 * When Redis is away, both are lost for the other instances: each of them finds the ban in
 * PostgreSQL within BAN_REFRESH_INTERVAL_SECONDS (BanRegistry's reload, and at once when Redis
 * comes back), then disconnects that user's sockets it holds itself.
 */
@Injectable()
export class BanEnforcer implements OnApplicationBootstrap, OnModuleDestroy {
  private unsubscribe?: () => void;

  constructor(
    private readonly bus: DomainEventBus,
    private readonly server: RealtimeServer,
    private readonly redis: RealtimeRedis,
    private readonly bans: BanRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.server.ready) return;
    this.unsubscribe = this.bus.subscribe((event) => this.publish(event));
    this.bans.onNewlyBanned((found) => {
      for (const { userId, until } of found) {
        this.disconnect(userId, typeof until === 'number' ? new Date(until).toISOString() : null, true);
      }
    });
    if (!this.redis.pub) return;
    this.server.io.on(BANS_EVENT, (change: BansChanged) => {
      if (!Number.isInteger(change?.user_id)) return;
      this.bans.apply({
        userId: change.user_id,
        until: 'until' in change ? (change.until ?? null) : undefined,
      });
    });
    this.redis.onReconnect(() => void this.bans.reload());
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  private publish(event: DomainEvent): void {
    if (event.type === 'user.banned') {
      const until = event.until === null ? null : Date.parse(event.until);
      this.tellOthers({ user_id: event.userId, until });
      this.disconnect(event.userId, event.until, false);
    } else if (event.type === 'user.unbanned') {
      this.tellOthers({ user_id: event.userId });
    }
  }

  private tellOthers(change: BansChanged): void {
    if (this.redis.pub) this.server.io.serverSideEmit(BANS_EVENT, change);
  }

  /** Tells the user's sockets, then disconnects them: on this instance only (`local`) or on all. */
  private disconnect(userId: number, until: string | null, local: boolean): void {
    const io = local ? this.server.io.local : this.server.io;
    io.to(userRoom(userId)).emit('auth:banned', { message: BANNED_MESSAGE, until });
    io.in(userRoom(userId)).disconnectSockets(true);
  }
}
