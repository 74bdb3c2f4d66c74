import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { Logger, LoggerOptions } from 'pino';
import { pinoHttp, HttpLogger } from 'pino-http';
import type { AppConfig } from '../config/app-config';
import { routeOf } from './http-route';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What a client may send as its own request id: short, printable, no spaces or quotes. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/**
 * Keys whose values never reach a log line, at any of the first three levels of a logged object:
 * credentials, and message text (`content`), which is the users' private conversation.
 */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'content',
];
export const REDACTED_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

/** Probes and scrapes would drown the request log. */
const UNLOGGED_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

function pathOf(url: string | undefined): string {
  return (url ?? '/').split('?')[0];
}

/** Known only once the request is served: which route took it, and for whom. */
function outcomeOf(req: IncomingMessage): { route: string; user_id?: number } {
  const user = (req as IncomingMessage & { user?: { id: number } }).user;
  return user ? { route: routeOf(req), user_id: user.id } : { route: routeOf(req) };
}

/**
 * The process' one logger: JSON lines on stdout, except a development run on a terminal, which
 * gets pino-pretty's readable lines.
 */
export function createRootLogger(config: AppConfig): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    base: { service: 'rescue-chat', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (config.nodeEnv === 'development' && process.stdout.isTTY) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'service,pid,hostname' },
      },
    });
  }
  return pino({ ...options, formatters: { level: (label) => ({ level: label }) } });
}

/** The incoming `X-Request-Id` when it looks like one, else a new UUID; echoed in the response. */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && CLIENT_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/**
 * One line per finished request (method, route pattern, status, duration, user), and a request
 * logger carrying `req_id` that every line logged while serving it goes through. Headers, query
 * strings and bodies are never logged: they hold tokens, passwords, search terms and messages.
 */
export function createHttpLogger(root: Logger): HttpLogger {
  return pinoHttp({
    logger: root,
    genReqId: requestId,
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'req_id', responseTime: 'duration_ms' },
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, path: pathOf(req.url) }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customSuccessObject: (req, _res, value: object) => ({ ...value, ...outcomeOf(req) }),
    customErrorObject: (req, _res, _error, value: object) => ({ ...value, ...outcomeOf(req) }),
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
    autoLogging: { ignore: (req) => UNLOGGED_PATHS.has(pathOf(req.url)) },
  });
}
