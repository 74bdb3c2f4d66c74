import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app.config';
import { createRootLogger, ROOT_LOGGER } from './root.logger';
import { MetricsController } from './metrics.controller';
import { MetricsListener } from './metrics.listener';
import { MetricsService } from './metrics.service';
import { SocketContextInterceptor } from './socket-context.interceptor';

/** The process' root pino logger, shared by nestjs-pino and the HTTP logger of app.factory.ts. */
@Global()
@Module({
  providers: [{ provide: ROOT_LOGGER, inject: [AppConfig], useFactory: createRootLogger }],
  exports: [ROOT_LOGGER],
})
class RootLoggerModule {}

/**
 * Logs and metrics, and the count of work in flight (against ServingState, which the lifecycle
 * module provides). The HTTP logger itself is mounted by app.factory.ts ahead of the body parser
 * (so refused bodies are logged too), and binds each request's logger for `Logger` calls made
 * while serving it (HttpRequestLog.serve); nestjs-pino adds no middleware of its own.
 */
@Global()
@Module({
  imports: [
    RootLoggerModule,
    LoggerModule.forRootAsync({
      imports: [RootLoggerModule],
      inject: [ROOT_LOGGER],
      // No middleware (forRoutes: none): HttpRequestLog.serve binds each request's logger.
      useFactory: (root: Logger) => ({ pinoHttp: { logger: root }, useExisting: true, forRoutes: [] }),
    }),
  ],
  controllers: [MetricsController],
  providers: [MetricsService, MetricsListener, SocketContextInterceptor],
  exports: [MetricsService, SocketContextInterceptor],
})
export class ObservabilityModule {}
