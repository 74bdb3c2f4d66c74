import { ExecutionContext, Injectable, Logger, SetMetadata } from '@nestjs/common';
import { seconds, ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Response } from 'express';
import type { AppConfig } from '../../config/app-config';
import { DomainError } from '../errors/domain-error';

const STRICT_RATE_LIMIT = 'rate-limit:strict';

/** Puts a route under the stricter AUTH_RATE_LIMIT_MAX budget (password guessing, sign-up spam). */
export const StrictRateLimit = (): MethodDecorator => SetMetadata(STRICT_RATE_LIMIT, true);

function isStrict(context: ExecutionContext): boolean {
  return Reflect.getMetadata(STRICT_RATE_LIMIT, context.getHandler()) === true;
}

/**
 * Two budgets per client address and route: `default` for every route, and `auth`, which only
 * counts on routes marked {@link StrictRateLimit}. Counters live in this instance's memory.
 */
export function rateLimitOptions(config: AppConfig): ThrottlerModuleOptions {
  const ttl = seconds(config.rateLimitWindowSeconds);
  return {
    throttlers: [
      { name: 'default', ttl, limit: config.rateLimitMax },
      { name: 'auth', ttl, limit: config.authRateLimitMax, skipIf: (context) => !isStrict(context) },
    ],
  };
}

/** The throttler for HTTP only, answering the contract's `429 rate_limited` with `Retry-After`. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly log = new Logger('RateLimit');

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(context.getType() !== 'http');
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', retryAfter);
    this.log.warn(`Rate limit of ${detail.limit} reached by ${detail.tracker}`);
    throw new DomainError('rate_limited', 'Too many requests, slow down', {
      retry_after_seconds: retryAfter,
    });
  }
}
