import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AttachmentsModule } from './attachments/attachments.module';
import { AvatarsModule } from './attachments/avatars.module';
import { AuthModule } from './auth/auth.module';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { HttpExceptionFilter } from './common/errors/http-exception.filter';
import { createValidationPipe } from './common/errors/validation.pipe';
import { RateLimitGuard, rateLimitOptions } from './common/http/rate-limit.guard';
import { AppConfig } from './config/app.config';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions } from './database/data-source.options';
import { ChatsModule } from './chats/chats.module';
import { EmailModule } from './email/email.module';
import { EventsModule } from './events/events.module';
import { RepositoriesModule } from './repositories/repositories.module';
import { JobsModule } from './jobs/jobs.module';
import { HealthModule } from './health/health.module';
import { InvitesModule } from './invites/invites.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { MembersModule } from './members/members.module';
import { MessagesModule } from './messages/messages.module';
import { ModerationModule } from './moderation/moderation.module';
import { ObservabilityModule } from './observability/observability.module';
import { PushModule } from './push/push.module';
import { RealtimeModule } from './realtime/realtime.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  /** `config.databaseUrl` must be set: main.ts starts the embedded PostgreSQL before this. */
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.databaseUrl) throw new Error('AppModule needs a database URL');
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        TypeOrmModule.forRoot(
          dataSourceOptions(config.databaseUrl, config.databasePoolSize, {
            connectMs: config.databaseConnectTimeoutMs,
            queryMs: config.databaseQueryTimeoutMs,
          }),
        ),
        LifecycleModule,
        ObservabilityModule,
        ThrottlerModule.forRootAsync({ inject: [AppConfig], useFactory: rateLimitOptions }),
        EventsModule,
        JobsModule,
        RepositoriesModule,
        AuthModule,
        AttachmentsModule,
        AvatarsModule,
        UsersModule,
        ChatsModule,
        InvitesModule,
        MembersModule,
        MessagesModule,
        ModerationModule,
        HealthModule,
        RealtimeModule,
        EmailModule,
        PushModule,
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        // Rate limits first: a flood is refused before any token is checked.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: JwtAuthGuard },
      ],
    };
  }
}
