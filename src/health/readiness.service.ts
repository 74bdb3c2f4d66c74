import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { DomainError } from '../common/errors/domain.errors';
import { ServingState } from '../observability/serving-state.service';
import { RedisHealth } from './redis-health.indicator';

/**
 * What must hold for the instance to take traffic: not draining, and the database answering.
 * Redis, when used, is reported too, but its absence only degrades (see RedisHealth).
 */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly lifecycle: ServingState,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealth,
  ) {}

  /**
   * 200 with each check's state (`status: "degraded"` while Redis is away), or 503 in the
   * contract's error shape with the same in `details`.
   */
  async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check(this.checks());
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const { details } = error.getResponse() as HealthCheckResult;
      throw new DomainError('service_unavailable', 'The instance is not ready to take traffic', details);
    }
  }

  private checks(): HealthIndicatorFunction[] {
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
