import { INestApplication, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import { AppModule } from './app.module';
import { DomainError } from './common/errors/domain.errors';
import { answerClientErrors } from './common/http/client-errors.middleware';
import { domainErrorBody } from './common/http/error-status.mapping';
import { AppConfig } from './config/app.config';
import { setupOpenApi } from './docs/openapi.document';
import { serveAsyncApi } from './realtime/asyncapi/asyncapi.document';
import { RealtimeIoAdapter } from './realtime/realtime-io.adapter';
import { LifecycleService } from './lifecycle/lifecycle.service';
import { trackHttpRequests } from './observability/http-tracking.middleware';
import { HttpRequestLog, ROOT_LOGGER } from './observability/root.logger';
import { MetricsService } from './observability/metrics.service';

export const API_PREFIX = 'api/v1';
const NOT_FOUND = new DomainError('not_found', 'Not found');
export const JSON_BODY_LIMIT = '64kb';

/** Builds the application exactly as it serves, for main.ts and for the e2e tests alike. */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.set('trust proxy', config.trustProxy);
  // Ahead of the body parser, so that refused bodies (400, 413) are timed and logged too.
  const requestLog = new HttpRequestLog(app.get<PinoLogger>(ROOT_LOGGER));
  app.use(trackHttpRequests(app.get(MetricsService), app.get(LifecycleService), requestLog));
  app.use(helmet());
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  app.disable('x-powered-by');
  app.enableCors({ origin: config.corsOrigins, credentials: true, exposedHeaders: ['X-Request-Id'] });
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      { path: 'health/live', method: RequestMethod.GET },
      { path: 'health/ready', method: RequestMethod.GET },
      { path: 'metrics', method: RequestMethod.GET },
    ],
  });
  setupOpenApi(app);
  serveAsyncApi(app);
  app.useWebSocketAdapter(new RealtimeIoAdapter(app));
  answerClientErrors(app.getHttpServer());
  await app.init();
  // Nest answers unknown paths under /api/v1 itself; elsewhere Express would send an HTML page.
  app.use((_req: Request, res: Response) => res.status(404).json(domainErrorBody(NOT_FOUND)));
  return app;
}
