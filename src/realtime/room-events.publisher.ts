import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { ChatViews } from '../chats/chat-views.service';
import type { ChatDto } from '../chats/dto/chat.dto';
import {
  DomainEvent,
  DomainEventBus,
  type DomainEventOf,
  type MessagePayload,
} from '../events/domain-events.bus';
import type { MessagePinEventDto } from './dto/server-events.dto';
import { MetricsService } from '../observability/metrics.service';
import { RealtimeServer } from './realtime.server';
import { chatRoom, userRoom } from './rooms.util';
import { TypingService } from './typing.service';

/**
 * Turns committed domain changes into socket events and keeps rooms in step with membership.
 * `socketsJoin` / `socketsLeave` and emits go through the adapter, so with Redis they reach the
 * sockets of every instance, in the order they are issued here. Emits are fire-and-forget:
 * socket.io queues each packet in the receiving socket's own buffer, so a slow or dead client
 * delays nobody (a dead one is dropped when its heartbeat times out).
 *
 * Payloads are built here, after the commit: chat:created and chat:updated read the chat as each
 * member sees it. While such a read is pending, the events published after it queue behind it, so
 * events reach the sockets in the order they were published (member:added, then chat:updated,
 * then the next message:new), within a chat and across chats alike, as when every payload was at
 * hand; with nothing pending an event goes out at once, as before.
 */
@Injectable()
export class RoomEventsPublisher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RoomEventsPublisher.name);
  private unsubscribe?: () => void;
  /** The last delivery still pending, which the next event waits for; undefined when none is. */
  private pending?: Promise<void>;

  constructor(
    private readonly bus: DomainEventBus,
    private readonly server: RealtimeServer,
    private readonly views: ChatViews,
    private readonly typing: TypingService,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.bus.subscribe((event) => this.publish(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Delivers the event, at once or after those pending; the promise settles once it is out. */
  publish(event: DomainEvent): Promise<void> | undefined {
    // Bans concern a user's sessions, not a chat's room: BanEnforcer acts on them.
    if (!this.server.ready || !isRoomEvent(event)) return undefined;
    const started = performance.now();
    const delivered = (): void => this.metrics.commitToEmit((performance.now() - started) / 1000);
    if (event.type === 'chat.created') {
      // A new chat has no earlier events; its members join its room before anything is sent to it.
      const room = chatRoom(event.chatId);
      for (const userId of event.memberIds) this.server.io.in(userRoom(userId)).socketsJoin(room);
    }
    if (!this.pending && !needsRead(event)) {
      this.deliver(event, undefined);
      delivered();
      return undefined;
    }
    // The read starts now (its failure is reported below, in turn); the delivery waits for
    // those published before it.
    const views = needsRead(event) ? this.views.forAllMembers(event.chatId) : undefined;
    views?.catch(() => undefined);
    const done = (this.pending ?? Promise.resolve())
      .then(async () => {
        const read = await views;
        if (!this.server.ready) return;
        this.deliver(event, read);
        delivered();
      })
      .catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.error(`Delivering ${event.type} of chat ${event.chatId} failed: ${reason}`);
      })
      .finally(() => {
        if (this.pending === done) this.pending = undefined;
      });
    this.pending = done;
    return done;
  }

  private deliver(event: RoomEvent, views: Map<number, ChatDto> | undefined): void {
    const io = this.server.io;
    const room = chatRoom(event.chatId);
    switch (event.type) {
      case 'message.created':
        io.to(room).emit('message:new', event.message);
        return;
      case 'message.updated':
        io.to(room).emit('message:updated', forRoom(event.message));
        return;
      case 'message.reactions':
        io.to(room).emit('message:reactions', {
          chat_id: event.chatId,
          message_id: event.messageId,
          user_id: event.userId,
          emoji: event.emoji,
          on: event.on,
          reactions: event.reactions,
        });
        return;
      case 'message.pinned':
        io.to(room).emit('message:pinned', pinPayload(event));
        return;
      case 'message.unpinned':
        io.to(room).emit('message:unpinned', pinPayload(event));
        return;
      case 'message.deleted':
        io.to(room).emit('message:deleted', {
          chat_id: event.chatId,
          message_id: event.messageId,
          seq: event.seq,
        });
        return;
      case 'chat.read':
        io.to(room).emit('chat:read', {
          chat_id: event.chatId,
          user_id: event.userId,
          last_read_seq: event.lastReadSeq,
          read_at: event.readAt,
        });
        return;
      case 'chat.created':
        for (const [userId, chat] of views ?? []) io.to(userRoom(userId)).emit('chat:created', chat);
        return;
      case 'chat.updated':
        for (const [userId, chat] of views ?? []) io.to(userRoom(userId)).emit('chat:updated', chat);
        return;
      case 'chat.deleted':
        if (event.memberIds.length > 0) {
          io.to(event.memberIds.map(userRoom)).emit('chat:deleted', { chat_id: event.chatId });
        }
        io.in(room).socketsLeave(room);
        return;
      case 'member.added':
        io.in(userRoom(event.member.user_id)).socketsJoin(room);
        io.to(room).emit('member:added', { chat_id: event.chatId, member: event.member });
        return;
      case 'member.updated':
        io.to(room).emit('member:updated', { chat_id: event.chatId, member: event.member });
        return;
      case 'member.removed':
        this.typing.stop(event.chatId, event.userId);
        io.to([room, userRoom(event.userId)]).emit('member:removed', {
          chat_id: event.chatId,
          user_id: event.userId,
        });
        io.in(userRoom(event.userId)).socketsLeave(room);
        return;
      case 'chat.blocked':
        // Their memberships stay (REST answers as before); only the room's events stop or resume.
        if (event.blocked) {
          for (const userId of event.userIds) this.typing.stop(event.chatId, userId);
          io.in(event.userIds.map(userRoom)).socketsLeave(room);
        } else {
          io.in(event.userIds.map(userRoom)).socketsJoin(room);
        }
        return;
      default:
        event satisfies never;
    }
  }
}

/**
 * A message as the whole room gets it: the same for every member, so no reader's `me` (the
 * editor's, in an edit's answer) goes out; members keep theirs from history and message:reactions.
 */
function forRoom(message: MessagePayload): MessagePayload {
  if (message.reactions.length === 0) return message;
  return { ...message, reactions: message.reactions.map((reaction) => ({ ...reaction, me: false })) };
}

function pinPayload(event: DomainEventOf<'message.pinned' | 'message.unpinned'>): MessagePinEventDto {
  return { chat_id: event.chatId, message_id: event.messageId, user_id: event.userId };
}

/** The events about a chat: delivered to its room or its members. */
type RoomEvent = Exclude<DomainEvent, { type: 'user.banned' | 'user.unbanned' }>;

function isRoomEvent(event: DomainEvent): event is RoomEvent {
  return event.type !== 'user.banned' && event.type !== 'user.unbanned';
}

/** Events whose payload is the chat as each member sees it, read after the commit. */
function needsRead(
  event: DomainEvent,
): event is Extract<DomainEvent, { type: 'chat.created' | 'chat.updated' }> {
  return event.type === 'chat.created' || event.type === 'chat.updated';
}
