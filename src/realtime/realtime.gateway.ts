import { UseFilters, UseInterceptors } from '@nestjs/common';
import {
  ConnectedSocket,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { AuthUser } from '../auth/current-user.decorator';
import { MessagesService } from '../messages/messages.service';
import { PinsService } from '../messages/pins.service';
import { ReactionsService } from '../messages/reactions.service';
import { ReadStateService } from '../messages/read-state.service';
import { ClientEvent, ClientPayload } from './client-event.decorator';
import type { AckDataOf, PayloadOf } from './events.types';
import { RealtimeServer, type RealtimeIo, type RealtimeSocket } from './realtime.server';
import { SocketHandshake } from './socket-handshake.middleware';
import { SocketAdmission } from './socket-admission.middleware';
import { SocketOutputLimit } from './socket-output.limiter';
import { WsRateLimitInterceptor } from './socket-rate-limit.interceptor';
import { SocketSessions } from './socket-sessions.service';
import { SocketUser } from './socket-user.decorator';
import { TypingService } from './typing.service';
import { SocketContextInterceptor } from '../observability/socket-context.interceptor';
import { WsAckInterceptor } from './ws-ack.interceptor';
import { WsExceptionFilter } from './ws-exception.filter';

/**
 * The socket edge: every handler is one call to a service; the ack interceptor wraps its result.
 * Every handler is under the rate-limit interceptor, so every client event has a budget. The events,
 * their payloads (validated by @ClientPayload) and acks are those of socket-contract.catalog.ts.
 */
@WebSocketGateway()
@UseFilters(WsExceptionFilter)
@UseInterceptors(SocketContextInterceptor, WsAckInterceptor, WsRateLimitInterceptor)
export class RealtimeGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly server: RealtimeServer,
    private readonly handshake: SocketHandshake,
    private readonly admission: SocketAdmission,
    private readonly output: SocketOutputLimit,
    private readonly sessions: SocketSessions,
    private readonly messages: MessagesService,
    private readonly readState: ReadStateService,
    private readonly typingService: TypingService,
    private readonly reactions: ReactionsService,
    private readonly pins: PinsService,
  ) {}

  afterInit(io: RealtimeIo): void {
    this.server.attach(io);
    io.use(this.admission.beforeAuth);
    io.use(this.handshake.middleware);
    io.use(this.admission.afterAuth);
    this.output.watch(io);
  }

  handleConnection(socket: RealtimeSocket): void {
    this.sessions.opened(socket);
  }

  handleDisconnect(socket: RealtimeSocket): void {
    this.sessions.closed(socket);
  }

  @ClientEvent('message:send')
  async send(
    @SocketUser() user: AuthUser,
    @ClientPayload() body: PayloadOf<'message:send'>,
  ): Promise<AckDataOf<'message:send'>> {
    return (await this.messages.send(user.id, body.chat_id, body)).message;
  }

  @ClientEvent('message:edit')
  edit(
    @SocketUser() user: AuthUser,
    @ClientPayload() body: PayloadOf<'message:edit'>,
  ): Promise<AckDataOf<'message:edit'>> {
    return this.messages.edit(user.id, body.chat_id, body.message_id, body.content);
  }

  @ClientEvent('message:delete')
  delete(@SocketUser() user: AuthUser, @ClientPayload() body: PayloadOf<'message:delete'>): Promise<void> {
    return this.messages.remove(user.id, body.chat_id, body.message_id);
  }

  @ClientEvent('chat:read')
  read(
    @SocketUser() user: AuthUser,
    @ClientPayload() body: PayloadOf<'chat:read'>,
  ): Promise<AckDataOf<'chat:read'>> {
    return this.readState.markRead(user.id, body.chat_id, body.up_to_seq);
  }

  @ClientEvent('chat:sync')
  sync(
    @SocketUser() user: AuthUser,
    @ClientPayload() body: PayloadOf<'chat:sync'>,
  ): Promise<AckDataOf<'chat:sync'>> {
    return this.messages.sync(user.id, body.chat_id, body.after_seq, body.limit);
  }

  @ClientEvent('message:react')
  react(
    @SocketUser() user: AuthUser,
    @ClientPayload() body: PayloadOf<'message:react'>,
  ): Promise<AckDataOf<'message:react'>> {
    return this.reactions.react(user.id, body.chat_id, body.message_id, body.emoji, body.on);
  }

  @ClientEvent('chat:pin')
  pin(@SocketUser() user: AuthUser, @ClientPayload() body: PayloadOf<'chat:pin'>): Promise<void> {
    return this.pins.set(user.id, body.chat_id, body.message_id, body.pinned);
  }

  @ClientEvent('typing')
  typing(
    @ConnectedSocket() socket: RealtimeSocket,
    @ClientPayload() body: PayloadOf<'typing'>,
  ): Promise<AckDataOf<'typing'>> {
    return this.typingService.update(socket, body.chat_id, body.is_typing);
  }
}
