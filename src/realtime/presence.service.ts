import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app.config';
import { MembersAccessService } from '../members/members-access.service';
import {
  MemoryPresenceStore,
  PresenceStore,
  RedisPresenceStore,
  SharedPresenceStore,
} from './presence.store';
import { RealtimeRedis } from './realtime-redis.client';
import { RealtimeServer, RealtimeSocket } from './realtime.server';
import { chatRoom, isChatRoom, userRoom } from './rooms.util';

/** A reconnect within this time after the last disconnect shows no offline at all. */
export const OFFLINE_DELAY_MS = 2000;

/**
 * `presence` to the users who share a chat with someone, on their first connect and on their
 * last disconnect, counted across all instances (Redis when configured).
 *
 * With Redis, each instance renews a heartbeat every third of PRESENCE_INSTANCE_TIMEOUT_SECONDS
 * and takes back the counts of instances silent for longer: the users of an instance that died
 * without disconnecting them go offline (announced by the instance that noticed) at most
 * timeout + timeout / 3 + OFFLINE_DELAY_MS after its last heartbeat.
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PresenceService');
  private readonly store: PresenceStore;
  /** Counts shared with other instances (Redis), rather than this process's alone. */
  private readonly shared: SharedPresenceStore | undefined;
  private readonly instanceTimeoutMs: number;
  private heartbeat?: NodeJS.Timeout;
  /** A heartbeat still waiting for Redis: the next one is skipped rather than queued behind it. */
  private beating = false;
  private readonly pending = new Map<number, { timer: NodeJS.Timeout; settled: Promise<void> }>();
  /** Counter updates under way, which shutdown lets finish before it closes Redis. */
  private readonly updates = new Set<Promise<void>>();

  constructor(
    redis: RealtimeRedis,
    config: AppConfig,
    private readonly server: RealtimeServer,
    private readonly members: MembersAccessService,
  ) {
    this.instanceTimeoutMs = config.presenceInstanceTimeoutSeconds * 1000;
    this.shared = redis.pub ? new RedisPresenceStore(redis.pub, redis.prefix, randomUUID()) : undefined;
    this.store = this.shared ?? new MemoryPresenceStore();
  }

  /** Registers this instance (with no sockets yet) and starts its heartbeat. */
  onApplicationBootstrap(): void {
    if (!this.shared) return;
    void this.resync();
    this.heartbeat = setInterval(() => void this.beat(), this.instanceTimeoutMs / 3);
    this.heartbeat.unref();
  }

  /**
   * Which of `userIds` have a connected socket on any instance (the counts shared in Redis, or
   * this process's alone without it): who gets no Web Push and no e-mail digest. Throws while
   * Redis is away.
   */
  onlineAmong(userIds: readonly number[]): Promise<Set<number>> {
    return this.store.online(userIds);
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
      if (await this.store.disconnected(userId, new Date().toISOString())) this.offlineLater(userId);
    } catch (error) {
      this.report(error);
    }
  }

  /**
   * Makes the shared counts say again what this instance's sockets are (updates made while Redis
   * was away were lost, or the instance was taken for dead), and announces whoever that brought
   * online or offline.
   */
  async resync(): Promise<void> {
    if (!this.shared) return;
    const local = new Map<number, number>();
    const rooms = new Map<number, string[]>();
    for (const socket of this.server.ready ? this.server.io.sockets.sockets.values() : []) {
      const userId = socket.data.user.id;
      local.set(userId, (local.get(userId) ?? 0) + 1);
      rooms.set(userId, [...socket.rooms].filter(isChatRoom));
    }
    try {
      const { online, offline } = await this.shared.sync(local);
      const now = new Date().toISOString();
      for (const userId of online) this.announce(userId, true, now, rooms.get(userId) ?? []);
      for (const userId of offline) this.offlineLater(userId);
    } catch (error) {
      this.report(error);
    }
  }

  private async beat(): Promise<void> {
    if (!this.shared || this.beating) return;
    this.beating = true;
    try {
      if (!(await this.shared.heartbeat())) await this.resync();
      for (const userId of await this.shared.reap(this.instanceTimeoutMs)) this.offlineLater(userId);
    } catch (error) {
      this.report(error);
    } finally {
      this.beating = false;
    }
  }

  /** The user's offline is pending: announced after OFFLINE_DELAY_MS unless they are back. */
  private offlineLater(userId: number): void {
    clearTimeout(this.pending.get(userId)?.timer);
    let timer!: NodeJS.Timeout;
    const settled = new Promise<void>((resolve) => {
      timer = setTimeout(() => void this.settle(userId).finally(resolve), OFFLINE_DELAY_MS);
    });
    this.pending.set(userId, { timer, settled });
  }

  /**
   * With shared counts, pending offlines still run their course (at most OFFLINE_DELAY_MS): a
   * client that reconnects to another instance meanwhile shows no flicker, one that does not is
   * announced. Alone, this instance has no one left to tell.
   */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    await Promise.all(this.updates);
    const pending = [...this.pending.values()];
    if (this.shared) {
      await Promise.all(pending.map(({ settled }) => settled));
      await this.shared.leave().catch((error: unknown) => this.report(error));
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
      const chatIds = await this.members.roomChatIds(userId);
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
