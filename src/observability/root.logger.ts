import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PinoLogger } from 'nestjs-pino';
import pino, { Logger, LoggerOptions } from 'pino';
import type { AppConfig } from '../config/app.config';
import { LogBatching } from './log-batching';
import { redactLine, redactSecrets } from './secret.redaction';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What a client may send as its own request id: short, printable, no spaces or quotes. */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

/** Probes and scrapes would drown the request log. */
const UNLOGGED_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** Log lines are written out in batches of up to this many bytes (sonic-boom's `minLength`)... */
const LOG_BATCH_BYTES = 8 * 1024;
/** ...or this long (ms) after the first line of a batch, whichever comes first. */
const LOG_BATCH_DELAY_MS = 100;

let stdout: ReturnType<typeof pino.destination> | undefined;
let batching: LogBatching | undefined;

/**
 * Where every JSON line goes: stdout, written asynchronously in batches (LogBatching: up to
 * {@link LOG_BATCH_BYTES}, at most {@link LOG_BATCH_DELAY_MS} after a batch's first line) instead
 * of a write per line. One stream for the whole process, so lines from every logger keep their
 * order. Whatever is still buffered is written out synchronously on `process.exit`, on an uncaught
 * exception and when the process ends by itself (pino registers that); {@link flushLogs} does it
 * on demand. A process killed outright (SIGKILL) loses at most the last batch's lines.
 */
function stdoutDestination(): { destination: ReturnType<typeof pino.destination>; batching: LogBatching } {
  if (!stdout || !batching) {
    stdout = pino.destination({ dest: 1, sync: false, minLength: LOG_BATCH_BYTES });
    batching = new LogBatching(stdout, LOG_BATCH_DELAY_MS);
  }
  return { destination: stdout, batching };
}

/**
 * Writes out the buffered log lines now, synchronously (before the process exits). A line whose
 * asynchronous write is still in flight may land after the lines written here: where there is
 * time to wait, {@link endLogs} keeps the order.
 */
export function flushLogs(): void {
  try {
    stdout?.flushSync();
    batching?.flushedSync();
  } catch {
    // Not open yet, or stdout is gone: nothing more can be written.
  }
}

/**
 * Writes out every buffered line in order, the one in flight first, and resolves once stdout has
 * it (sonic-boom's `end` never closes fd 1); for the last lines of an orderly exit. Gives up
 * after `timeoutMs`, so a stdout that no longer drains cannot hold the exit.
 */
export function endLogs(timeoutMs = 1000): Promise<void> {
  const destination = stdout;
  if (!destination) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs).unref();
    destination.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      destination.end();
    } catch {
      // Ended already, or not open yet: nothing more can be written.
      resolve();
    }
  });
}

/**
 * The process' one logger: JSON lines on stdout, except a development run on a terminal, which
 * gets pino-pretty's readable lines. Secrets are censored (see secret.redaction.ts) in every logged
 * object, by the `log` formatter, and in the bindings of every child logger, which pino writes
 * out as they are: by the `streamWrite` hook, on the rare line that still holds a secret key not
 * censored (a regular expression tells; most lines are not parsed). Not with pino's `redact`
 * paths, which clone every logged value and cost ~10x the rest of a line.
 */
export function createRootLogger(config: AppConfig): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    base: { service: 'rescue-chat', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: { streamWrite: redactLine },
  };
  const log = (object: Record<string, unknown>) => redactSecrets(object);
  if (config.nodeEnv === 'development' && process.stdout.isTTY) {
    return pino({
      ...options,
      formatters: { log },
      transport: {
        target: 'pino-pretty',
        options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'service,pid,hostname' },
      },
    });
  }
  const { destination, batching } = stdoutDestination();
  return pino(
    {
      ...options,
      formatters: { level: (label) => ({ level: label }), log },
      hooks: { streamWrite: (line) => batching.lineWritten(redactLine(line)) },
    },
    destination,
  );
}

/** The incoming `X-Request-Id` when it looks like one, else a new UUID (the HTTP server's request id). */
export function newRequestId(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && CLIENT_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** The request's id (given by the HTTP server, see {@link newRequestId}), echoed in the response. */
export function requestId(req: IncomingMessage, res: ServerResponse, given?: string): string {
  const id = given ?? newRequestId(req);
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** What the request log adds to a request: its id, and the logger of lines logged while serving it. */
export type LoggedRequest = IncomingMessage & { id?: unknown; log?: Logger; user?: { id: number } };

/**
 * The request log: a request logger carrying `req_id` that every line logged while serving the
 * request goes through (`req.log`, bound for nestjs-pino's `Logger` calls by serve()), and one
 * line per finished request (method, path, route pattern, status, duration, user). Headers, query
 * strings and bodies are never logged: they hold tokens, passwords, search terms and messages.
 */
export class HttpRequestLog {
  constructor(
    private readonly root: Logger,
    /** nestjs-pino's logger, whose context serve() binds (as SocketContextInterceptor does). */
    private readonly context: PinoLogger,
  ) {}

  /**
   * Gives the request its id (`given`, else one of its own; echoed as `X-Request-Id`). Returns
   * the path to log on its closing line (as it arrived: routers rewrite `req.url` on the way), or
   * undefined for the paths that are not logged.
   */
  begin(req: LoggedRequest, res: ServerResponse, given?: string): string | undefined {
    const id = requestId(req, res, given);
    req.id = id;
    const path = pathOf(req.url);
    return UNLOGGED_PATHS.has(path) ? undefined : path;
  }

  /**
   * Runs `serve`, the rest of the request's handling, with a logger carrying the request's
   * `req_id` as `req.log` and as the logger of every `Logger` call made while serving it. From
   * the HTTP server's first request hook, as nestjs-pino's own middleware would bind it, without
   * running Nest's middleware chain for every request (~50 µs of a history page's CPU).
   */
  serve(req: LoggedRequest, serve: () => void): void {
    this.context.runInContext(
      () => {
        req.log = this.context.logger;
        serve();
      },
      { bindings: { req_id: req.id } },
    );
  }

  /** The request's logger: `req.log`, or for a request never served (the router refused it), a new one. */
  loggerOf(req: LoggedRequest): Logger {
    return req.log ?? this.root.child({ req_id: req.id });
  }

  /** The request's closing line, at `error` for 5xx answers and failed responses, else `info`. */
  end(
    req: LoggedRequest,
    path: string,
    route: string,
    status: number,
    milliseconds: number,
    error?: Error,
  ): void {
    const failed = error !== undefined || status >= 500;
    const level = failed ? 'error' : 'info';
    if (!this.root.isLevelEnabled(level)) return;
    this.root[level](
      {
        req_id: req.id,
        req: { method: req.method, path },
        res: { status },
        err: failed ? (error ?? new Error(`failed with status code ${status}`)) : undefined,
        duration_ms: Math.round(milliseconds),
        route,
        user_id: req.user?.id,
      },
      `${req.method} ${route} ${status}`,
    );
  }
}
