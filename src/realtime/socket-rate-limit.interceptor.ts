import { CallHandler, ExecutionContext, Injectable, NestInterceptor, OnModuleDestroy } from '@nestjs/common';
import { finalize, type Observable } from 'rxjs';
import { RateLimited } from '../common/errors/domain.errors';
import { RateBudget } from '../common/rate-budget';
import { AppConfig, type RateRule, type SocketEventRates } from '../config/app.config';
import { MetricsService } from '../observability/metrics.service';
import type { RealtimeSocket } from './realtime.server';
import { CLIENT_EVENTS, type ClientEventName, type ClientEventSpec } from './socket-contract.catalog';

/**
 * The budget of every client event, by name, as the socket contract catalog assigns it. A handler
 * whose event is missing here still gets `other` (see {@link SocketRateLimiter.forEvent}), and a
 * unit test fails on it.
 */
export function eventRules(rates: SocketEventRates): Record<ClientEventName, RateRule> {
  const rules = {} as Record<ClientEventName, RateRule>;
  for (const [event, spec] of Object.entries(CLIENT_EVENTS) as [ClientEventName, ClientEventSpec][]) {
    rules[event] = rates[spec.budget];
  }
  return rules;
}

/** The wait a socket over its in-flight cap is told: its earlier events are usually done by then. */
export const IN_FLIGHT_RETRY_MS = 100;

/**
 * The budgets of the socket edge, from the configuration: one per client event (per user), and
 * those of the handshake (per client address and per user, per minute). Buckets live in this
 * instance's memory: a user whose sockets sit on several instances gets the allowance once per
 * instance, which bounds abuse well enough without a Redis round trip on every event.
 */
@Injectable()
export class SocketRateLimiter implements OnModuleDestroy {
  readonly handshakesPerAddress: RateBudget;
  readonly handshakesPerUser: RateBudget;
  private readonly events = new Map<string, RateBudget>();
  private readonly other: RateBudget;
  private readonly sweeper = setInterval(() => this.sweep(), 60_000).unref();

  constructor(config: AppConfig) {
    const { rates, handshakesPerAddressPerMinute, handshakesPerUserPerMinute } = config.socketLimits;
    for (const [event, rule] of Object.entries(eventRules(rates)))
      this.events.set(event, new RateBudget(rule));
    this.other = new RateBudget(rates.other);
    this.handshakesPerAddress = new RateBudget(perMinute(handshakesPerAddressPerMinute));
    this.handshakesPerUser = new RateBudget(perMinute(handshakesPerUserPerMinute));
  }

  /** The budget of a client event: its own, or the shared `other` one for an event without a rule. */
  forEvent(event: string): RateBudget {
    return this.events.get(event) ?? this.other;
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private sweep(now = Date.now()): void {
    for (const budget of this.events.values()) budget.sweep(now);
    this.other.sweep(now);
    this.handshakesPerAddress.sweep(now);
    this.handshakesPerUser.sweep(now);
  }
}

/** `n` a minute, all of which may come at once. */
function perMinute(n: number): RateRule {
  return { burst: n, perSecond: n / 60 };
}

/**
 * Every client event passes here, whatever its handler: past the socket's events in flight (those
 * whose handler has not finished) or the user's budget for that event, the ack answers 429
 * `rate_limited` with `retry_after_ms` at once, and the socket stays connected. The count of
 * events in flight is a number on `socket.data`; nothing else is kept per socket.
 */
@Injectable()
export class WsRateLimitInterceptor implements NestInterceptor {
  private readonly maxInFlight: number;

  constructor(
    private readonly limiter: SocketRateLimiter,
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.maxInFlight = config.socketLimits.maxEventsInFlight;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const ws = context.switchToWs();
    const data = ws.getClient<RealtimeSocket>().data;
    const inFlight = data.inFlight ?? 0;
    if (inFlight >= this.maxInFlight) {
      this.metrics.socketLimited('events_in_flight');
      throw new RateLimited('Too many events waiting for their answer, slow down', IN_FLIGHT_RETRY_MS);
    }
    const retryAfterMs = this.limiter.forEvent(ws.getPattern()).take(data.user.id);
    if (retryAfterMs > 0) {
      this.metrics.socketLimited('event_budget');
      throw new RateLimited('Too many events, slow down', retryAfterMs);
    }
    data.inFlight = inFlight + 1;
    return next.handle().pipe(
      finalize(() => {
        data.inFlight = (data.inFlight ?? 1) - 1;
      }),
    );
  }
}
