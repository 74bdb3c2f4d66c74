import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { routeOf } from './http-route';
import type { LifecycleService } from './lifecycle.service';
import type { MetricsService } from './metrics.service';

/** nginx's code for a request whose client went away before the answer. */
const CLIENT_CLOSED = 499;

/**
 * Times every request by route pattern and status, and counts it as in-flight work until its
 * response is done. Once draining starts, responses carry `Connection: close`, so keep-alive
 * clients reconnect (to another instance) instead of reusing a connection that is going away.
 */
export function trackHttpRequests(metrics: MetricsService, lifecycle: LifecycleService): RequestHandler {
  const open = new Set<Response>();
  lifecycle.onDrain(() => {
    for (const res of open) if (!res.headersSent) res.setHeader('Connection', 'close');
  });
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const finishWork = lifecycle.begin();
    const finishGauge = metrics.httpRequestStarted();
    open.add(res);
    if (lifecycle.isDraining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      open.delete(res);
      finishGauge();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED;
      metrics.httpRequest(req.method, routeOf(req), status, seconds);
      finishWork();
    });
    next();
  };
}
