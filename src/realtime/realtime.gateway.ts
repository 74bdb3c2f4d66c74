import { UseFilters, UseInterceptors } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { AuthUser } from '../auth/current-user.decorator';
import type { MessageDto } from '../messages/dto/message.dto';
import { MessagesService } from '../messages/messages.service';
import { ReadStateService } from '../messages/read-state.service';
import {
  DeleteMessageSocketDto,
  EditMessageSocketDto,
  ReadChatSocketDto,
  SendMessageSocketDto,
  SyncChatSocketDto,
  TypingSocketDto,
} from './dto/client-payloads.dto';
import type { Empty, MessagePage, UnreadState } from './events.types';
import { RealtimeServer, type RealtimeIo, type RealtimeSocket } from './realtime-server';
import { SocketHandshake } from './socket-handshake';
import { SocketAdmission } from './socket-admission';
import { SocketOutputLimit } from './socket-output';
import { WsRateLimitInterceptor } from './socket-rate-limit';
import { SocketSessions } from './socket-sessions';
import { SocketUser } from './socket-user.decorator';
import { TypingService } from './typing.service';
import { SocketContextInterceptor } from '../observability/socket-context.interceptor';
import { WsAckInterceptor } from './ws-ack.interceptor';
import { WsExceptionFilter } from './ws-exception.filter';
import { WsPayloadInterceptor } from './ws-payload.interceptor';

/**
 * The socket edge: every handler is one call to a service; the ack interceptor wraps its result.
 * Every handler is under the rate-limit interceptor, so every client event has a budget.
 */
@WebSocketGateway()
@UseFilters(WsExceptionFilter)
@UseInterceptors(SocketContextInterceptor, WsAckInterceptor, WsRateLimitInterceptor, WsPayloadInterceptor)
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

  @SubscribeMessage('message:send')
  async send(@SocketUser() user: AuthUser, @MessageBody() body: SendMessageSocketDto): Promise<MessageDto> {
    return (await this.messages.send(user.id, body.chat_id, body)).message;
  }

  @SubscribeMessage('message:edit')
  edit(@SocketUser() user: AuthUser, @MessageBody() body: EditMessageSocketDto): Promise<MessageDto> {
    return this.messages.edit(user.id, body.chat_id, body.message_id, body.content);
  }

  @SubscribeMessage('message:delete')
  delete(@SocketUser() user: AuthUser, @MessageBody() body: DeleteMessageSocketDto): Promise<void> {
    return this.messages.remove(user.id, body.chat_id, body.message_id);
  }

  @SubscribeMessage('chat:read')
  read(@SocketUser() user: AuthUser, @MessageBody() body: ReadChatSocketDto): Promise<UnreadState> {
    return this.readState.markRead(user.id, body.chat_id, body.up_to_seq);
  }

  @SubscribeMessage('chat:sync')
  sync(@SocketUser() user: AuthUser, @MessageBody() body: SyncChatSocketDto): Promise<MessagePage> {
    return this.messages.sync(user.id, body.chat_id, body.after_seq, body.limit);
  }

  @SubscribeMessage('typing')
  typing(@ConnectedSocket() socket: RealtimeSocket, @MessageBody() body: TypingSocketDto): Promise<Empty> {
    return this.typingService.update(socket, body.chat_id, body.is_typing);
  }
}
