import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { MembersAccessService } from '../members/members-access.service';
import { MemoryPresenceStore, PresenceStore, RedisPresenceStore } from './presence.store';
import { RealtimeRedis } from './realtime-redis';
import { RealtimeServer, RealtimeSocket } from './realtime-server';
import { chatRoom, isChatRoom, userRoom } from './rooms';

/** A reconnect within this time after the last disconnect shows no offline at all. */
export const OFFLINE_DELAY_MS = 2000;

/**
 * `presence` to the users who share a chat with someone, on their first connect and on their
 * last disconnect, counted across all instances (Redis when configured).
 */
@Injectable()
export class PresenceService implements OnApplicationShutdown {
  private readonly logger = new Logger('PresenceService');
  private readonly store: PresenceStore;
  /** Counts shared with other instances (Redis), rather than this process's alone. */
  private readonly shared: boolean;
  private readonly pending = new Map<number, { timer: NodeJS.Timeout; settled: Promise<void> }>();
  /** Counter updates under way, which shutdown lets finish before it closes Redis. */
  private readonly updates = new Set<Promise<void>>();

  constructor(
    redis: RealtimeRedis,
    private readonly server: RealtimeServer,
    private readonly members: MembersAccessService,
  ) {
    this.shared = redis.pub !== undefined;
    this.store = redis.pub
      ? new RedisPresenceStore(redis.pub, (...parts) => redis.key(...parts))
      : new MemoryPresenceStore();
  }

  connected(socket: RealtimeSocket): Promise<void> {
    return this.track(this.countIn(socket));
  }

  disconnected(userId: number): Promise<void> {
    return this.track(this.countOut(userId));
  }

  private async countIn(socket: RealtimeSocket): Promise<void> {
    const userId = socket.data.user.id;
    try {
      if (!(await this.store.connected(userId))) return;
      const chats = [...socket.rooms].filter(isChatRoom);
      this.announce(userId, true, new Date().toISOString(), chats);
    } catch (error) {
      this.report(error);
    }
  }

  private async countOut(userId: number): Promise<void> {
    try {
      if (!(await this.store.disconnected(userId, new Date().toISOString()))) return;
      clearTimeout(this.pending.get(userId)?.timer);
      let timer!: NodeJS.Timeout;
      const settled = new Promise<void>((resolve) => {
        timer = setTimeout(() => void this.settle(userId).finally(resolve), OFFLINE_DELAY_MS);
      });
      this.pending.set(userId, { timer, settled });
    } catch (error) {
      this.report(error);
    }
  }

  /**
   * With shared counts, pending offlines still run their course (at most OFFLINE_DELAY_MS): a
   * client that reconnects to another instance meanwhile shows no flicker, one that does not is
   * announced. Alone, this instance has no one left to tell.
   */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.updates);
    const pending = [...this.pending.values()];
    if (this.shared) {
      await Promise.all(pending.map(({ settled }) => settled));
      return;
    }
    for (const { timer } of pending) clearTimeout(timer);
    this.pending.clear();
  }

  private track(update: Promise<void>): Promise<void> {
    this.updates.add(update);
    void update.finally(() => this.updates.delete(update));
    return update;
  }

  private async settle(userId: number): Promise<void> {
    this.pending.delete(userId);
    try {
      const lastSeenAt = await this.store.settle(userId);
      if (lastSeenAt === null) return;
      const chatIds = await this.members.activeChatIds(userId);
      this.announce(userId, false, lastSeenAt, chatIds.map(chatRoom));
    } catch (error) {
      this.report(error);
    }
  }

  private announce(userId: number, online: boolean, lastSeenAt: string, rooms: string[]): void {
    if (rooms.length === 0) return;
    this.server.io
      .to(rooms)
      .except(userRoom(userId))
      .emit('presence', { user_id: userId, online, last_seen_at: lastSeenAt });
  }

  private report(error: unknown): void {
    this.logger.error(`Presence update failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
