import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  OnModuleDestroy,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { DomainError } from '../common/errors/domain-error';
import type { RealtimeSocket } from './realtime-server';

/** A token bucket: `burst` events at once, refilled at `perSecond`. */
export interface RateRule {
  burst: number;
  perSecond: number;
}

export const SEND_RATE: RateRule = { burst: 20, perSecond: 5 };
export const TYPING_RATE: RateRule = { burst: 10, perSecond: 2 };

const RATE_RULE = 'realtime:rate-rule';

/** Limits a client event per user; past the limit the ack answers 429 `rate_limited`. */
export const RateLimit = (rule: RateRule): MethodDecorator => SetMetadata(RATE_RULE, rule);

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Buckets live in this instance's memory: a user whose sockets sit on several instances gets
 * the allowance once per instance, which bounds abuse well enough without a Redis round trip
 * on every message.
 */
@Injectable()
export class SocketRateLimiter implements OnModuleDestroy {
  private readonly buckets = new Map<string, Bucket>();
  private readonly sweeper = setInterval(() => this.sweep(), 60_000).unref();

  /** Takes a token: 0 when allowed, else the milliseconds until the next token. */
  take(key: string, rule: RateRule, now = Date.now()): number {
    const bucket = this.buckets.get(key) ?? { tokens: rule.burst, at: now };
    bucket.tokens = Math.min(rule.burst, bucket.tokens + ((now - bucket.at) / 1000) * rule.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return Math.ceil(((1 - bucket.tokens) / rule.perSecond) * 1000);
    bucket.tokens -= 1;
    return 0;
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /** Buckets idle for a minute are full again: forgetting them changes nothing. */
  private sweep(now = Date.now()): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at > 60_000) this.buckets.delete(key);
    }
  }
}

@Injectable()
export class WsRateLimitInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: SocketRateLimiter,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const rule = this.reflector.get<RateRule | undefined>(RATE_RULE, context.getHandler());
    if (rule) {
      const ws = context.switchToWs();
      const userId = ws.getClient<RealtimeSocket>().data.user.id;
      const retryAfterMs = this.limiter.take(`${ws.getPattern()}:${userId}`, rule);
      if (retryAfterMs > 0) {
        throw new DomainError('rate_limited', 'Too many events, slow down', { retry_after_ms: retryAfterMs });
      }
    }
    return next.handle();
  }
}
