import { HttpException, HttpStatus } from '@nestjs/common';
import { domainErrorBody, type ErrorBody } from '../http/error-status.mapping';
import { DatabaseUnavailable, isDatabaseUnavailable } from './database-unavailable.error';
import { DomainError, type DomainErrorCode } from './domain.errors';

const CODE_FOR_STATUS: Partial<Record<number, DomainErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: 'bad_request',
  [HttpStatus.UNAUTHORIZED]: 'unauthorized',
  [HttpStatus.FORBIDDEN]: 'forbidden',
  [HttpStatus.NOT_FOUND]: 'not_found',
  [HttpStatus.CONFLICT]: 'conflict',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'payload_too_large',
  [HttpStatus.TOO_MANY_REQUESTS]: 'rate_limited',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'service_unavailable',
};

const SAFE_MESSAGES: Partial<Record<DomainErrorCode, string>> = {
  bad_request: 'The request could not be understood',
  unauthorized: 'Authentication is required',
  forbidden: 'You are not allowed to do this',
  not_found: 'Not found',
  conflict: 'Conflict',
  payload_too_large: 'The request body is too large',
  rate_limited: 'Too many requests, slow down',
  service_unavailable: 'The service is unavailable',
};

/** Errors of body parsing before any Nest code runs, shaped as body-parser's (see body.parsers.ts). */
interface BodyParserError {
  type: string;
  status: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as BodyParserError).type === 'string' &&
    typeof (error as BodyParserError).status === 'number'
  );
}

/** Errors Fastify raises itself before any Nest code runs (body too large, bad URL, ...). */
interface FrameworkError {
  code: string;
  statusCode: number;
}

function isFrameworkError(error: unknown): error is FrameworkError {
  return (
    error instanceof Error &&
    typeof (error as Partial<FrameworkError>).code === 'string' &&
    (error as Partial<FrameworkError>).code!.startsWith('FST_') &&
    typeof (error as Partial<FrameworkError>).statusCode === 'number'
  );
}

/**
 * Maps anything thrown while handling a request or a socket event to the contract's error
 * shape. PostgreSQL unreachable or not answering in time is a 503 with a retry hint; other
 * unknown errors become a bare 500. Neither carries the error's text: it may hold SQL or driver
 * details.
 */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof DomainError) return domainErrorBody(error);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = CODE_FOR_STATUS[status] ?? (status < 500 ? 'bad_request' : 'internal_error');
    const message = status === 404 ? 'Not found' : (SAFE_MESSAGES[code] ?? 'Internal server error');
    return { status, code, message };
  }
  if (isBodyParserError(error)) {
    if (error.status === 413)
      return { status: 413, code: 'payload_too_large', message: SAFE_MESSAGES.payload_too_large! };
    if (error.type === 'entity.parse.failed') {
      return { status: 400, code: 'bad_request', message: 'The request body is not valid JSON' };
    }
    if (error.status >= 400 && error.status < 500) {
      return { status: error.status, code: 'bad_request', message: SAFE_MESSAGES.bad_request! };
    }
  }
  if (isFrameworkError(error) && error.statusCode >= 400 && error.statusCode < 500) {
    if (error.statusCode === 413)
      return { status: 413, code: 'payload_too_large', message: SAFE_MESSAGES.payload_too_large! };
    return { status: error.statusCode, code: 'bad_request', message: SAFE_MESSAGES.bad_request! };
  }
  if (isDatabaseUnavailable(error)) return domainErrorBody(new DatabaseUnavailable());
  return { status: 500, code: 'internal_error', message: 'Internal server error' };
}

/** An answer's `details.retry_after_ms` in whole seconds, for the HTTP Retry-After header. */
export function retryAfterSeconds(body: ErrorBody): number | undefined {
  const details = body.details as { retry_after_ms?: unknown } | undefined;
  const ms = details?.retry_after_ms;
  return typeof ms === 'number' && ms >= 0 ? Math.ceil(ms / 1000) : undefined;
}

/** Errors that are expected conditions to report (answered on purpose, a dependency away), not bugs. */
export function isCondition(error: unknown): boolean {
  return error instanceof DomainError || isDatabaseUnavailable(error);
}
