import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from './domain-error';
import { toErrorBody } from './error-mapping';

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const response = host.switchToHttp().getResponse<Response>();
    const body = toErrorBody(error);
    if (error instanceof DomainError && body.status >= 500) {
      // Answered on purpose (not ready, draining): a condition to report, not a bug to trace.
      this.logger.warn(`${body.code}: ${body.message}`);
    } else if (body.status >= 500) {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    if (response.headersSent) return;
    const retryAfterMs = (body.details as { retry_after_ms?: unknown } | undefined)?.retry_after_ms;
    if (typeof retryAfterMs === 'number' && !response.hasHeader('Retry-After')) {
      response.setHeader('Retry-After', Math.max(1, Math.ceil(retryAfterMs / 1000)));
    }
    response.status(body.status).json(body);
  }
}
