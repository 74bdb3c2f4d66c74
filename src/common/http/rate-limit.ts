import { ExecutionContext, Injectable, Logger, OnApplicationShutdown, SetMetadata } from '@nestjs/common';
import {
  normalizeIp,
  seconds,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request, Response } from 'express';
import type { AppConfig } from '../../config/app-config';
import { RateLimited } from '../errors/domain-error';

const STRICT_RATE_LIMIT = 'rate-limit:strict';
/** @nestjs/throttler's metadata keys (`@SkipThrottle()`, `@Throttle()`), followed by a throttler's name. */
const THROTTLER_SKIP = 'THROTTLER:SKIP';
const THROTTLER_LIMIT = 'THROTTLER:LIMIT';
const THROTTLER_TTL = 'THROTTLER:TTL';
const THROTTLER_BLOCK_DURATION = 'THROTTLER:BLOCK_DURATION';
const THROTTLER_UNSUPPORTED = ['THROTTLER:TRACKER', 'THROTTLER:KEY_GENERATOR'];

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

/** What one budget asks of the requests to one route: decided once per route. */
interface RouteBudget {
  name: string;
  limit: number;
  ttl: number;
  blockDuration: number;
  /** The storage key without the client: `<controller>-<handler>-<budget>`. */
  prefix: string;
  /** Header name suffix: none for `default`, `-<name>` otherwise. */
  suffix: string;
}

/**
 * The throttler for HTTP only, answering the contract's `429 rate_limited` with `Retry-After`.
 * The budgets that apply to a route (`@SkipThrottle()`, `skipIf`, limits) depend only on the
 * route here, so they are worked out on a route's first request and kept; each request then
 * costs one synchronous storage update per budget (the library's guard re-reads six metadata
 * entries and awaits several promises per budget, and hashes every key).
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly log = new Logger('RateLimit');
  private readonly budgets = new WeakMap<object, RouteBudget[]>();

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const budgets = this.budgetsOf(context);
    if (budgets.length === 0) return true;
    const { req, res } = this.getRequestResponse(context) as { req: Request; res: Response };
    const tracker = normalizeIp(req.ip ?? '', this.ipv6SubnetPrefix);
    for (const budget of budgets) {
      const key = `${budget.prefix}-${tracker}`;
      const record = this.hit(key, budget);
      if (record.isBlocked) {
        res.setHeader(`Retry-After${budget.suffix}`, record.timeToBlockExpire);
        await this.throwThrottlingException(context, {
          limit: budget.limit,
          ttl: budget.ttl,
          key,
          tracker,
          ...record,
        });
      }
      res.setHeader(`${this.headerPrefix}-Limit${budget.suffix}`, budget.limit);
      res.setHeader(
        `${this.headerPrefix}-Remaining${budget.suffix}`,
        Math.max(0, budget.limit - record.totalHits),
      );
      res.setHeader(`${this.headerPrefix}-Reset${budget.suffix}`, record.timeToExpire);
    }
    return true;
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', retryAfter);
    this.log.warn(`Rate limit of ${detail.limit} reached by ${detail.tracker}`);
    throw new RateLimited('Too many requests, slow down', retryAfter * 1000, { withSeconds: true });
  }

  private hit(key: string, budget: RouteBudget): ThrottlerStorageRecord {
    const { storageService: storage } = this;
    if (!(storage instanceof RateLimitStorage)) throw new Error('RateLimitGuard needs the RateLimitStorage');
    return storage.hit(key, budget.ttl, budget.limit, budget.blockDuration, budget.name);
  }

  private budgetsOf(context: ExecutionContext): RouteBudget[] {
    const handler = context.getHandler();
    let budgets = this.budgets.get(handler);
    if (!budgets) {
      budgets = this.throttlers.flatMap((throttler) => this.budgetOf(context, throttler));
      this.budgets.set(handler, budgets);
    }
    return budgets;
  }

  private budgetOf(context: ExecutionContext, throttler: ThrottlerOptions): RouteBudget[] {
    const name = throttler.name ?? 'default';
    const targets = [context.getHandler(), context.getClass()];
    const metadata = (key: string): unknown => this.reflector.getAllAndOverride(`${key}${name}`, targets);
    if (metadata(THROTTLER_SKIP) || throttler.skipIf?.(context)) return [];
    const where = `${context.getClass().name}.${context.getHandler().name}`;
    if (THROTTLER_UNSUPPORTED.some((key) => metadata(key) !== undefined)) {
      throw new Error(`RateLimitGuard: per-route trackers and key generators are not supported (${where})`);
    }
    const limit = metadata(THROTTLER_LIMIT) ?? throttler.limit;
    const ttl = metadata(THROTTLER_TTL) ?? throttler.ttl;
    const blockDuration = metadata(THROTTLER_BLOCK_DURATION) ?? throttler.blockDuration ?? ttl;
    if (typeof limit !== 'number' || typeof ttl !== 'number' || typeof blockDuration !== 'number') {
      throw new Error(`RateLimitGuard: the ${name} limit, ttl and block duration must be numbers (${where})`);
    }
    return [
      {
        name,
        limit,
        ttl,
        blockDuration,
        prefix: `${context.getClass().name}-${context.getHandler().name}-${name}`,
        suffix: name === 'default' ? '' : `-${name}`,
      },
    ];
  }
}
