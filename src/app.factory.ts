import { INestApplication, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Logger, PinoLogger as ContextLogger } from 'nestjs-pino';
import { parse as parseQuery } from 'node:querystring';
import type { Logger as PinoLogger } from 'pino';
import { AppModule } from './app.module';
import { toErrorBody } from './common/errors/error-body.mapper';
import { handleClientError } from './common/http/client-errors.middleware';
import { dropInvalidContentType, jsonBodyParser, leaveBodyUnread } from './common/http/body.parsers';
import { securityHeaders } from './common/http/security-headers';
import { trustFunction } from './common/http/trust-proxy.util';
import { AppConfig } from './config/app.config';
import { setupOpenApi } from './docs/openapi.document';
import { serveAsyncApi } from './realtime/asyncapi/asyncapi.document';
import { RealtimeIoAdapter } from './realtime/realtime-io.adapter';
import { LifecycleService } from './lifecycle/lifecycle.service';
import { RequestTracker, trackHttpRequests } from './observability/http-tracking.middleware';
import { HttpRequestLog, LoggedRequest, newRequestId, ROOT_LOGGER } from './observability/root.logger';
import { MetricsService } from './observability/metrics.service';
import { serveWebApp } from './web/web-app.route';

export const API_PREFIX = 'api/v1';
/** The JSON body limit, in bytes (64 KB, as body-parser's `64kb`). */
export const JSON_BODY_LIMIT = 64 * 1024;

/** One route as Fastify registered it: its method and its path pattern (`/api/v1/chats/:chat_id`). */
export interface ServedRoute {
  method: string;
  path: string;
}

const servedRoutesOf = new WeakMap<INestApplication, ServedRoute[]>();

/**
 * Every route the app's Fastify instance serves, as its `onRoute` hook saw them registered
 * (the hook is added before any route is). For the tests that hold the route table against the
 * security matrix and the OpenAPI document.
 */
export function servedRoutes(app: INestApplication): ServedRoute[] {
  return servedRoutesOf.get(app) ?? [];
}

const literalPatterns = new Map<string, RegExp>();

/**
 * Whether the path of `url`, as sent, matches the route `pattern` without percent-decoding its
 * fixed parts. Fastify's router matches the decoded path (`/%6detrics` is `/metrics`); Express
 * matched the path as sent and decoded only the parameters, so such spellings were 404s. Paths
 * without a `%` match as they are routed (most requests stop at the first test).
 */
function matchesLiterally(pattern: string, url: string): boolean {
  const end = url.indexOf('?');
  const path = end === -1 ? url : url.slice(0, end);
  if (!path.includes('%') || pattern.includes('*')) return true;
  let literal = literalPatterns.get(pattern);
  if (!literal) {
    const source = pattern
      .replace(/\/$/, '')
      .split(/(:\w+)/)
      .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    literal = new RegExp(`^${source}/?$`, 'i');
    literalPatterns.set(pattern, literal);
  }
  return literal.test(path);
}

/**
 * The Fastify instance, set up before Nest adds anything to it, so that its first `onRequest`
 * hooks are the request tracking and the security headers: they run ahead of CORS, routing
 * work, body parsing and Nest, for every request (preflights, 404s, refused bodies included),
 * as the first Express middleware did.
 */
function createInstance(
  config: AppConfig,
  routes: ServedRoute[],
): {
  instance: FastifyInstance;
  trackWith: (tracker: RequestTracker, requestLog: HttpRequestLog) => void;
} {
  let track: RequestTracker | undefined;
  let requestLog: HttpRequestLog | undefined;
  // helmet's headers, on the Node response: Fastify keeps them in every answer it sends.
  const setSecurityHeaders = securityHeaders();
  const instance = fastify({
    // Express' `trust proxy` semantics for request.ip (see trust-proxy.util.ts).
    trustProxy: trustFunction(config.trustProxy),
    bodyLimit: JSON_BODY_LIMIT,
    // Node's parser errors (431 above 16 KB of request line and headers) in the API's error shape.
    clientErrorHandler: handleClientError,
    // During shutdown, requests are served (with `Connection: close`) until the server closes,
    // as on Express; Fastify's own 503 would not have the error shape.
    return503OnClosing: false,
    // The lifecycle closes the idle and then all connections itself (graceful-shutdown.handler.ts).
    forceCloseConnections: false,
    // Nest's logger and the request log (HttpRequestLog) log; Fastify's own would log twice.
    logger: false,
    // The request id of the logs and of X-Request-Id (middie copies it onto the Node request).
    genReqId: newRequestId,
    // As Express' router: `/api/v1/chats/` and `/API/V1/chats` are `/api/v1/chats`, and a path
    // parameter has no length limit of its own (the request line is bounded by 16 KB). Query
    // strings parsed as Express 5 parses them (node:querystring, its "simple" parser): invalid
    // percent sequences stay as text, and the result is a plain object the input checks walk.
    routerOptions: {
      ignoreTrailingSlash: true,
      caseSensitive: false,
      maxParamLength: 16 * 1024,
      querystringParser: (query) => parseQuery(query),
    },
    // Requests the router refuses (a path that does not decode) in the error shape, with the
    // headers and the log line of every other request: the request hooks do not run for them.
    frameworkErrors: (error, request, reply) => {
      track?.(request.raw, reply.raw, request.id, () => undefined);
      setSecurityHeaders(reply.raw);
      const body = toErrorBody(error);
      void (reply as unknown as FastifyReply).code(body.status).send(body);
    },
  });
  instance.addHook('onRequest', (request, reply, done) => {
    const pattern = request.is404 ? undefined : request.routeOptions.url;
    const literal = pattern === undefined || matchesLiterally(pattern, request.raw.url ?? '/');
    // The route is named once the body is accepted, as on Express, where the body parser ran
    // before the router: a body refused with 400 or 413 is logged under `unmatched`.
    track?.(request.raw, reply.raw, request.id, () =>
      literal && parsed.has(request.raw) ? pattern : undefined,
    );
    const serve = (): void => {
      // The request's logger (HttpRequestLog.serve binds it for Nest's Logger calls), for Fastify too.
      const { log } = request.raw as LoggedRequest;
      if (log) request.log = log;
      dropInvalidContentType(request);
      if (literal) done();
      else reply.callNotFound();
    };
    if (requestLog) requestLog.serve(request.raw, serve);
    else serve();
  });
  const parsed = new WeakSet<object>();
  instance.addHook('preValidation', (request, _reply, done) => {
    parsed.add(request.raw);
    done();
  });
  instance.addHook('onRoute', ({ method, url }) => {
    for (const one of Array.isArray(method) ? method : [method]) routes.push({ method: one, path: url });
  });
  instance.addHook('onRequest', (_request, reply, done) => {
    setSecurityHeaders(reply.raw);
    done();
  });
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('application/json', { parseAs: 'buffer' }, jsonBodyParser(JSON_BODY_LIMIT));
  // Multipart bodies are left unread on the Node request, for a route that streams them itself
  // (rawRequestOf(req) with busboy); any other body that is not JSON is left unread too, as
  // Express left it: the route sees no body and its validation refuses it.
  instance.addContentTypeParser('multipart/form-data', leaveBodyUnread);
  instance.addContentTypeParser('*', leaveBodyUnread);
  return {
    instance,
    trackWith: (tracker, log) => {
      track = tracker;
      requestLog = log;
    },
  };
}

/** Builds the application exactly as it serves, for main.ts and for the e2e tests alike. */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const routes: ServedRoute[] = [];
  const { instance, trackWith } = createInstance(config, routes);
  // The web client's static build at /app (web/, `npm run web:build`); a 404 that says so without it.
  serveWebApp(instance);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    new FastifyAdapter(instance),
    { bodyParser: false, bufferLogs: true },
  );
  servedRoutesOf.set(app, routes);
  app.useLogger(app.get(Logger));
  // Runs in the first of the instance's hooks, so that refused bodies (400, 413), preflights and
  // 404s are timed and logged too.
  const requestLog = new HttpRequestLog(app.get<PinoLogger>(ROOT_LOGGER), await app.resolve(ContextLogger));
  trackWith(trackHttpRequests(app.get(MetricsService), app.get(LifecycleService), requestLog), requestLog);
  app.enableCors({
    origin: config.corsOrigins,
    credentials: true,
    exposedHeaders: ['X-Request-Id'],
    // As the `cors` middleware on Express: any OPTIONS request is a preflight, answered 204.
    strictPreflight: false,
  });
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
  await app.init();
  return app;
}
