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
  private readonly timers = new Map<number, NodeJS.Timeout>();

  constructor(
    redis: RealtimeRedis,
    private readonly server: RealtimeServer,
    private readonly members: MembersAccessService,
  ) {
    this.store = redis.pub
      ? new RedisPresenceStore(redis.pub, (...parts) => redis.key(...parts))
      : new MemoryPresenceStore();
  }

  async connected(socket: RealtimeSocket): Promise<void> {
    const userId = socket.data.user.id;
    try {
      if (!(await this.store.connected(userId))) return;
      const chats = [...socket.rooms].filter(isChatRoom);
      this.announce(userId, true, new Date().toISOString(), chats);
    } catch (error) {
      this.report(error);
    }
  }

  async disconnected(userId: number): Promise<void> {
    try {
      if (!(await this.store.disconnected(userId, new Date().toISOString()))) return;
      clearTimeout(this.timers.get(userId));
      this.timers.set(
        userId,
        setTimeout(() => void this.settle(userId), OFFLINE_DELAY_MS),
      );
    } catch (error) {
      this.report(error);
    }
  }

  /** Pending offlines are settled now: nobody would settle them once this instance is gone. */
  async onApplicationShutdown(): Promise<void> {
    const pending = [...this.timers.keys()];
    for (const timer of this.timers.values()) clearTimeout(timer);
    await Promise.all(pending.map((userId) => this.settle(userId)));
  }

  private async settle(userId: number): Promise<void> {
    this.timers.delete(userId);
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
