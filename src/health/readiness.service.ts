import { Injectable } from '@nestjs/common';
import { HealthIndicatorFunction, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { LifecycleService } from '../observability/lifecycle.service';
import { RedisHealth } from './redis-health';

/** What must hold for the instance to take traffic: not draining, database, and Redis when used. */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly lifecycle: LifecycleService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealth,
  ) {}

  checks(): HealthIndicatorFunction[] {
    const checks: HealthIndicatorFunction[] = [
      () => {
        const serving = this.indicators.check('serving');
        return this.lifecycle.isDraining ? serving.down({ reason: 'shutting down' }) : serving.up();
      },
      () => this.database.pingCheck('database', { timeout: 1500 }),
    ];
    if (this.redis.configured) checks.push(() => this.redis.check());
    return checks;
  }
}
