import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Observable, map, tap } from 'rxjs';
import { MetricsService } from '../observability/metrics.service';
import type { Ack } from './events.types';

/** Wraps a handler's result as `{ok: true, data}` and times every client event, failed or not. */
@Injectable()
export class WsAckInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<Ack<unknown>> {
    const event = context.switchToWs().getPattern();
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    return next.handle().pipe(
      map((data: unknown) => ({ ok: true as const, data: data ?? {} })),
      tap({
        next: () => this.metrics.socketEvent(event, 'ok', seconds()),
        error: () => this.metrics.socketEvent(event, 'error', seconds()),
      }),
    );
  }
}
