import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { routeOf } from './http-route.util';
import type { HttpRequestLog, LoggedRequest } from './root.logger';
import type { MetricsService } from './metrics.service';
import type { ServingState } from './serving-state.service';

/** nginx's code for a request whose client went away before the answer. */
const CLIENT_CLOSED = 499;

/**
 * One middleware for what every request gets, ahead of everything else (so that bodies refused
 * before routing, 400 and 413, are covered too): its request id and logger, its closing log
 * line, its duration by route pattern and status, and its count as in-flight work until its
 * response is done. Once draining starts, responses carry `Connection: close`, so keep-alive
 * clients reconnect (to another instance) instead of reusing a connection that is going away.
 */
export function trackHttpRequests(
  metrics: MetricsService,
  lifecycle: ServingState,
  requestLog: HttpRequestLog,
): RequestHandler {
  const open = new Set<Response>();
  lifecycle.onDrain(() => {
    for (const res of open) if (!res.headersSent) res.setHeader('Connection', 'close');
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    const finishWork = lifecycle.begin();
    metrics.httpRequestStarted();
    open.add(res);
    if (lifecycle.isDraining) res.setHeader('Connection', 'close');
    const loggedPath = requestLog.begin(req, res);
    let failure: Error | undefined;
    let closed = false;
    // Also keeps a failed response from being an unhandled 'error' event.
    res.on('error', (error: Error) => {
      if (closed) (req as LoggedRequest).log?.error({ err: error }, 'Response failed after it ended');
      else failure = error;
    });
    res.once('close', () => {
      closed = true;
      open.delete(res);
      const milliseconds = performance.now() - started;
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED;
      const route = routeOf(req);
      metrics.httpRequestFinished(req.method, route, status, milliseconds / 1000);
      if (loggedPath !== undefined) requestLog.end(req, loggedPath, route, status, milliseconds, failure);
      finishWork();
    });
    next();
  };
}
