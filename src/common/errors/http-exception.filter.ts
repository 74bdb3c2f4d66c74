import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { isCondition, retryAfterSeconds, toErrorBody } from './error-body.mapper';

/**
 * Every error of an HTTP request in the contract's shape. Answers through Nest's HTTP adapter,
 * so it is the same on Fastify and on Express.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const response = host.switchToHttp().getResponse<unknown>();
    const body = toErrorBody(error);
    if (body.status >= 500 && isCondition(error)) {
      // Answered on purpose (not ready, draining, database away): a condition, not a bug to trace.
      this.logger.warn(`${body.code}: ${error instanceof Error ? error.message : body.message}`);
    } else if (body.status >= 500) {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
    const http = this.adapterHost.httpAdapter;
    if (http.isHeadersSent(response)) return;
    const retryAfter = retryAfterSeconds(body);
    if (retryAfter !== undefined && http.getHeader(response, 'Retry-After') === undefined) {
      http.setHeader(response, 'Retry-After', String(retryAfter));
    }
    http.reply(response, body, body.status);
  }
}
