import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import { AppConfig } from '../config/app.config';
import { reconnectDelayMs } from '../realtime/realtime-redis.client';

const PING_TIMEOUT_MS = 1500;

/**
 * Redis's part in readiness when REDIS_URL is set. A connection of its own, opened at start and
 * reconnecting by itself; while it is down commands fail at once rather than queue, and a probe
 * waits for it at most PING_TIMEOUT_MS.
 *
 * Redis away leaves the instance `degraded`, still ready (200): it serves REST and its own
 * sockets, and only events for sockets on other instances are lost (chat:sync recovers them).
 * Every instance shares the one Redis, so failing readiness for it would take them all out of
 * rotation at once and turn a Redis blip into a full outage.
 */
@Injectable()
export class RedisHealth implements OnModuleInit, OnModuleDestroy {
  private client: Redis | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly indicators: HealthIndicatorService,
  ) {}

  get configured(): boolean {
    return this.config.redisUrl !== undefined;
  }

  onModuleInit(): void {
    if (!this.config.redisUrl) return;
    this.client = new Redis(this.config.redisUrl, {
      connectionName: `${this.config.redisKeyPrefix}:health`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: PING_TIMEOUT_MS,
      commandTimeout: PING_TIMEOUT_MS,
      retryStrategy: reconnectDelayMs,
    });
    // Failures show in readiness; ioredis would otherwise print each one as unhandled.
    this.client.on('error', () => undefined);
  }

  async check(): Promise<HealthIndicatorResult<'redis', 'up' | 'degraded'>> {
    const indicator = this.indicators.check('redis');
    try {
      const client = this.client!;
      if (client.status !== 'ready')
        await once(client, 'ready', { signal: AbortSignal.timeout(PING_TIMEOUT_MS) });
      await client.ping();
      return indicator.up();
    } catch {
      return indicator.degraded({
        message: 'Redis does not answer: events reach the sockets of this instance only',
      });
    }
  }

  onModuleDestroy(): void {
    this.client?.disconnect();
  }
}
