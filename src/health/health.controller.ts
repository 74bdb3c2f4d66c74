import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult } from '@nestjs/terminus';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../common/http/public.decorator';
import { ReadinessService } from './readiness.service';

@ApiTags('operations')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness probe' })
  @ApiOkResponse({ description: 'The process is up' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness probe' })
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOkResponse({
    description:
      'The database answers and the instance is not shutting down; status "degraded" (still 200) while Redis does not answer',
  })
  @ApiServiceUnavailableResponse({
    description:
      'The database does not answer, or the instance is draining: the error shape, checks in details',
  })
  ready(): Promise<HealthCheckResult> {
    return this.readiness.check();
  }
}
