import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ChatViewsModule } from '../chats/chat-views.module';
import { MembersModule } from '../members/members.module';
import { MessagesModule } from '../messages/messages.module';
import { BanEnforcer } from './ban-enforcer.service';
import { PresenceService } from './presence.service';
import { RealtimeRedis } from './realtime-redis.client';
import { RealtimeServer } from './realtime.server';
import { RealtimeGateway } from './realtime.gateway';
import { RoomEventsPublisher } from './room-events.publisher';
import { RoomResync } from './room-resync.service';
import { SocketAdmission } from './socket-admission.middleware';
import { SocketHandshake } from './socket-handshake.middleware';
import { SocketOutputLimit } from './socket-output.limiter';
import { SocketRateLimiter } from './socket-rate-limit.interceptor';
import { SocketSessions } from './socket-sessions.service';
import { TypingService } from './typing.service';

@Module({
  imports: [AuthModule, ChatViewsModule, MembersModule, MessagesModule],
  providers: [
    RealtimeGateway,
    RealtimeServer,
    RealtimeRedis,
    SocketHandshake,
    SocketAdmission,
    SocketOutputLimit,
    SocketSessions,
    SocketRateLimiter,
    PresenceService,
    TypingService,
    RoomEventsPublisher,
    RoomResync,
    BanEnforcer,
  ],
  // Who is online on any instance: Web Push goes only to the others.
  exports: [PresenceService],
})
export class RealtimeModule {}
