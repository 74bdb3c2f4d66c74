import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { isCondition, retryAfterSeconds, toErrorBody } from './error-body.mapper';

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const response = host.switchToHttp().getResponse<Response>();
    const body = toErrorBody(error);
    if (body.status >= 500 && isCondition(error)) {
      // Answered on purpose (not ready, draining, database away): a condition, not a bug to trace.
      this.logger.warn(`${body.code}: ${error instanceof Error ? error.message : body.message}`);
    } else if (body.status >= 500) {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    if (response.headersSent) return;
    const retryAfter = retryAfterSeconds(body);
    if (retryAfter !== undefined && !response.hasHeader('Retry-After')) {
      response.setHeader('Retry-After', retryAfter);
    }
    response.status(body.status).json(body);
  }
}
