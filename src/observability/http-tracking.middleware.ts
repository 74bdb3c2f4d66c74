import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { routeOf } from './http-route.util';
import type { HttpRequestLog, LoggedRequest } from './root.logger';
import type { MetricsService } from './metrics.service';
import type { ServingState } from './serving-state.service';

/**
 * Starts tracking one request: its Node request and response, the id the HTTP server gave it,
 * and how to read, once it is answered, the route pattern that served it (none: `unmatched`).
 */
export type RequestTracker = (
  req: IncomingMessage,
  res: ServerResponse,
  id: string | undefined,
  patternOf: () => string | undefined,
) => void;

/** nginx's code for a request whose client went away before the answer. */
const CLIENT_CLOSED = 499;

/**
 * What every request gets, from the HTTP server's first request hook, ahead of everything else
 * (so that preflights, 404s and bodies refused before the handler, 400 and 413, are covered too): its request id and logger, its closing log
 * line, its duration by route pattern and status, and its count as in-flight work until its
 * response is done. Once draining starts, responses carry `Connection: close`, so keep-alive
 * clients reconnect (to another instance) instead of reusing a connection that is going away.
 */
export function trackHttpRequests(
  metrics: MetricsService,
  lifecycle: ServingState,
  requestLog: HttpRequestLog,
): RequestTracker {
  const open = new Set<ServerResponse>();
  lifecycle.onDrain(() => {
    for (const res of open) if (!res.headersSent) res.setHeader('Connection', 'close');
  });
  return (req, res, id, patternOf) => {
    const started = performance.now();
    const finishWork = lifecycle.begin();
    metrics.httpRequestStarted();
    open.add(res);
    if (lifecycle.isDraining) res.setHeader('Connection', 'close');
    const loggedPath = requestLog.begin(req, res, id);
    let failure: Error | undefined;
    let closed = false;
    // Also keeps a failed response from being an unhandled 'error' event.
    res.on('error', (error: Error) => {
      if (closed)
        requestLog.loggerOf(req as LoggedRequest).error({ err: error }, 'Response failed after it ended');
      else failure = error;
    });
    res.once('close', () => {
      closed = true;
      open.delete(res);
      const milliseconds = performance.now() - started;
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED;
      const route = routeOf(patternOf());
      metrics.httpRequestFinished(req.method ?? 'GET', route, status, milliseconds / 1000);
      if (loggedPath !== undefined) requestLog.end(req, loggedPath, route, status, milliseconds, failure);
      finishWork();
    });
  };
}
