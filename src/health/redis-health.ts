import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';

const PING_TIMEOUT_MS = 1500;

/**
 * Readiness of Redis when REDIS_URL is set (events reach the other instances through it). A
 * connection of its own that reconnects by itself; commands fail at once while it is down
 * rather than queue, so a probe never hangs.
 */
@Injectable()
export class RedisHealth implements OnModuleDestroy {
  private client: Redis | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly indicators: HealthIndicatorService,
  ) {}

  get configured(): boolean {
    return this.config.redisUrl !== undefined;
  }

  async check(): Promise<HealthIndicatorResult<'redis'>> {
    return await this.indicators
      .check('redis')
      .attempt(async () => {
        await this.connection().ping();
      })
      .withTimeout(PING_TIMEOUT_MS);
  }

  onModuleDestroy(): void {
    this.client?.disconnect();
  }

  private connection(): Redis {
    this.client ??= new Redis(this.config.redisUrl!, {
      connectionName: 'rescue-chat-health',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: PING_TIMEOUT_MS,
    });
    return this.client;
  }
}
