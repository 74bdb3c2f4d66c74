import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { MembersAccessService } from '../members/members-access.service';
import { PresenceService } from './presence.service';
import { RealtimeRedis } from './realtime-redis.client';
import { RealtimeServer, RealtimeSocket } from './realtime.server';
import { matchChatRooms, recheckChatRooms, RoomChanges } from './rooms.util';

/** Asks the other instances to rebuild their rooms (a server-side emit through the adapter). */
export const RESYNC_EVENT = 'rooms:resync';

/**
 * Rebuilds rooms and presence after a Redis connection came back. Room changes (socketsJoin /
 * socketsLeave) travel through Redis: those published while this instance could not hear them
 * are lost, and so are those it published itself, so a removed member could stay in a chat room
 * (and keep receiving it) and an added one miss it. On a reconnect, this instance re-derives the
 * chat rooms of all its sockets from PostgreSQL, in one statement for all their users, joins and
 * leaves what differs, recounts its sockets in presence, and asks the other instances to rebuild
 * their rooms too. Messages missed meanwhile are in PostgreSQL, for `chat:sync`.
 */
@Injectable()
export class RoomResync implements OnApplicationBootstrap {
  private readonly logger = new Logger('RoomResync');
  /** The rebuild under way, and whether another was asked for meanwhile (it runs after). */
  private running?: Promise<void>;
  private again = false;
  private finished = 0;

  constructor(
    private readonly redis: RealtimeRedis,
    private readonly server: RealtimeServer,
    private readonly members: MembersAccessService,
    private readonly presence: PresenceService,
  ) {}

  /** Rebuilds finished since start. */
  get completed(): number {
    return this.finished;
  }

  onApplicationBootstrap(): void {
    if (!this.redis.pub || !this.server.ready) return;
    this.server.io.on(RESYNC_EVENT, () => void this.request());
    this.redis.onReconnect(() => {
      void this.request();
      void this.presence.resync();
      this.server.io.serverSideEmit(RESYNC_EVENT);
    });
  }

  /** Rebuilds the rooms now, or once more after the rebuild under way. */
  request(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.rebuild().finally(() => {
      this.running = undefined;
      this.finished++;
      if (this.again) {
        this.again = false;
        void this.request();
      }
    });
    return this.running;
  }

  private async rebuild(): Promise<void> {
    try {
      const sockets = this.localSockets();
      if (sockets.length === 0) return;
      const userIds = [...new Set(sockets.map((socket) => socket.data.user.id))];
      const first = await this.members.roomChatIdsOf(userIds);
      const changed = new Map<RealtimeSocket, RoomChanges>();
      // Sockets that connected since the read joined their rooms in their own handshake.
      for (const socket of this.localSockets()) {
        const chatIds = first.get(socket.data.user.id);
        if (!chatIds) continue;
        const changes = matchChatRooms(socket, chatIds);
        if (changes.joined.length + changes.left.length > 0) changed.set(socket, changes);
      }
      if (changed.size === 0) return;
      // As in the handshake: a change that committed after the first read may have reached a
      // socket before it was moved; a second read undoes what it contradicts.
      const second = await this.members.roomChatIdsOf([
        ...new Set([...changed.keys()].map((s) => s.data.user.id)),
      ]);
      for (const [socket, changes] of changed) {
        if (socket.connected) recheckChatRooms(socket, changes, second.get(socket.data.user.id) ?? []);
      }
      this.logger.log(
        `Rooms rebuilt after a Redis reconnect: ${changed.size} of ${sockets.length} sockets moved`,
      );
    } catch (error) {
      this.logger.error(`Rebuilding rooms failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private localSockets(): RealtimeSocket[] {
    return [...this.server.io.sockets.sockets.values()];
  }
}
