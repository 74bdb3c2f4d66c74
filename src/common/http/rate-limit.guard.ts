import { ExecutionContext, Injectable, Logger, OnApplicationShutdown, SetMetadata } from '@nestjs/common';
import {
  seconds,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import type { AppConfig } from '../../config/app.config';
import { RateLimited } from '../errors/domain.errors';

const STRICT_RATE_LIMIT = 'rate-limit:strict';

/** Puts a route under the stricter AUTH_RATE_LIMIT_MAX budget (password guessing, sign-up spam). */
export const StrictRateLimit = (): MethodDecorator => SetMetadata(STRICT_RATE_LIMIT, true);

function isStrict(context: ExecutionContext): boolean {
  return Reflect.getMetadata(STRICT_RATE_LIMIT, context.getHandler()) === true;
}

/** What the storage answers for one hit (@nestjs/throttler does not export its type). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** One client's hits on one route under one budget. */
interface HitRecord {
  /** Expiry times (ms) of the counted hits, oldest first; those before `head` have expired. */
  hits: number[];
  head: number;
  expiresAt: number;
  blockExpiresAt: number;
  isBlocked: boolean;
}

/**
 * @nestjs/throttler's in-memory storage, with the same answers (a sliding window of hits, then
 * a block of `blockDuration`), at a constant cost per request: its own storage filters the
 * whole window's hits on every request, so a busy client costs more the more it sends. Hits of
 * one budget expire in the order they were counted, so expired ones are dropped from the front.
 * Idle records are swept every minute.
 */
export class RateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly records = new Map<string, HitRecord>();
  private sweeper?: NodeJS.Timeout;

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    return Promise.resolve(this.hit(key, ttl, limit, blockDuration, throttlerName));
  }

  hit(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): ThrottlerStorageRecord {
    const now = Date.now();
    const id = `${throttlerName}\n${key}`;
    let record = this.records.get(id);
    if (!record) {
      record = { hits: [], head: 0, expiresAt: now + ttl, blockExpiresAt: 0, isBlocked: false };
      this.records.set(id, record);
      this.sweeper ??= setInterval(() => this.sweep(), 60_000).unref();
    }
    this.dropExpired(record, now);
    let timeToExpire = Math.ceil((record.expiresAt - now) / 1000);
    if (timeToExpire <= 0) {
      record.expiresAt = now + ttl;
      timeToExpire = Math.ceil(ttl / 1000);
    }
    if (blockDuration <= 0) {
      const isBlocked = this.counted(record) >= limit;
      if (!isBlocked) record.hits.push(now + ttl);
      const oldest = record.hits[record.head];
      return {
        totalHits: this.counted(record) + (isBlocked ? 1 : 0),
        timeToExpire,
        isBlocked,
        timeToBlockExpire: isBlocked
          ? oldest === undefined
            ? timeToExpire
            : Math.ceil((oldest - now) / 1000)
          : 0,
      };
    }
    if (!record.isBlocked) record.hits.push(now + ttl);
    if (!record.isBlocked && this.counted(record) > limit) {
      record.isBlocked = true;
      record.blockExpiresAt = now + blockDuration;
    }
    const timeToBlockExpire = Math.ceil((record.blockExpiresAt - now) / 1000);
    if (timeToBlockExpire <= 0 && record.isBlocked) {
      record.isBlocked = false;
      record.hits = [now + ttl];
      record.head = 0;
    }
    return { totalHits: this.counted(record), timeToExpire, isBlocked: record.isBlocked, timeToBlockExpire };
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.records.clear();
  }

  private counted(record: HitRecord): number {
    return record.hits.length - record.head;
  }

  private dropExpired(record: HitRecord, now: number): void {
    const { hits } = record;
    let { head } = record;
    while (head < hits.length && hits[head] <= now) head += 1;
    if (head > 64 && head * 2 > hits.length) {
      record.hits = hits.slice(head);
      head = 0;
    }
    record.head = head;
  }

  private sweep(now = Date.now()): void {
    for (const [id, record] of this.records) {
      if (record.isBlocked && record.blockExpiresAt > now) continue;
      if (record.expiresAt > now) continue;
      this.dropExpired(record, now);
      if (this.counted(record) === 0) this.records.delete(id);
    }
  }
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
    storage: new RateLimitStorage(),
  };
}

/**
 * The throttler for HTTP only, answering the contract's `429 rate_limited` with `Retry-After`.
 * It is @nestjs/throttler's own guard, extended through its documented hooks only: the library
 * reads each route's budgets (`@SkipThrottle()`, `@Throttle()`, `skipIf`), counts the hit in
 * {@link RateLimitStorage} and sets the `X-RateLimit-*` headers; this skips socket contexts,
 * keys the counters by route, budget and address without hashing them, and throws the
 * contract's error.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly log = new Logger('RateLimit');

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(context.getType() !== 'http');
  }

  protected override generateKey(context: ExecutionContext, tracker: string, name: string): string {
    return `${context.getClass().name}-${context.getHandler().name}-${name}-${tracker}`;
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', retryAfter);
    this.log.warn(`Rate limit of ${detail.limit} reached by ${detail.tracker}`);
    throw new RateLimited('Too many requests, slow down', retryAfter * 1000, { withSeconds: true });
  }
}
