import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import { AppConfig } from '../config/app-config';

const PING_TIMEOUT_MS = 1500;

/**
 * Readiness of Redis when REDIS_URL is set (events reach the other instances through it). A
 * connection of its own, opened at start and reconnecting by itself; while it is down commands
 * fail at once rather than queue, and a probe waits for it at most PING_TIMEOUT_MS.
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
    });
    // Failures show in readiness; ioredis would otherwise print each one as unhandled.
    this.client.on('error', () => undefined);
  }

  async check(): Promise<HealthIndicatorResult<'redis'>> {
    return await this.indicators
      .check('redis')
      .attempt(async ({ signal }) => {
        const client = this.client!;
        if (client.status !== 'ready') await once(client, 'ready', { signal });
        await client.ping();
      })
      .withTimeout(PING_TIMEOUT_MS);
  }

  onModuleDestroy(): void {
    this.client?.disconnect();
  }
}
