import { Controller, Get, Header, Headers, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';
import { prometheusContentType } from 'prom-client';
import { Public } from '../common/http/public.decorator';
import { DomainError } from '../common/errors/domain.errors';
import { ApiErrors } from '../common/http/api-errors.decorator';
import { AppConfig } from '../config/app.config';
import { MetricsService } from './metrics.service';

@ApiTags('operations')
@Public()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics' })
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description:
      'Prometheus text format; needs the bearer METRICS_TOKEN when set. With METRICS_PORT set, ' +
      'served on that port only, and 404 here',
    type: String,
  })
  @ApiErrors(401, 404)
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<string> {
    if (this.config.metricsPort !== undefined) throw new DomainError('not_found', 'Not found');
    const text = await this.metrics.scrape(authorization);
    // Set only on success: a refusal keeps the JSON error shape.
    res.type(prometheusContentType);
    return text;
  }
}
