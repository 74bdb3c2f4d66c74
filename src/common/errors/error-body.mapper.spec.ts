import { BadRequestException } from '@nestjs/common';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import {
  DATABASE_RETRY_AFTER_MS,
  DatabaseUnavailable,
  isDatabaseUnavailable,
} from './database-unavailable.error';
import { DomainError } from './domain.errors';
import { retryAfterSeconds, toErrorBody } from './error-body.mapper';

const UNAVAILABLE = {
  status: 503,
  code: 'service_unavailable',
  message: 'The database is not answering; try again shortly',
  details: { retry_after_ms: DATABASE_RETRY_AFTER_MS },
};
const INTERNAL = { status: 500, code: 'internal_error', message: 'Internal server error' };

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

function sqlError(code: string, message = 'driver text with SQL in it'): DatabaseError {
  const error = new DatabaseError(message, 0, 'error');
  error.code = code;
  return error;
}

/** As TypeORM wraps a driver error thrown by a query. */
function wrapped(driverError: Error): QueryFailedError {
  return new QueryFailedError('SELECT secret FROM t', [], driverError);
}

describe('toErrorBody: PostgreSQL away is 503 with a retry hint, other unknown errors 500', () => {
  it.each([
    ['connection refused', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['connection reset', withCode('read ECONNRESET', 'ECONNRESET')],
    ['connect timed out at the socket', withCode('connect ETIMEDOUT', 'ETIMEDOUT')],
    ['broken pipe', withCode('write EPIPE', 'EPIPE')],
    ['host unreachable', withCode('connect EHOSTUNREACH', 'EHOSTUNREACH')],
    ['connection terminated', new Error('Connection terminated unexpectedly')],
    [
      'connection terminated by a connect timeout',
      new Error('Connection terminated due to connection timeout'),
    ],
    ['no answer within the read timeout', new Error('Query read timeout')],
    ['no free pool connection in time', new Error('timeout exceeded when trying to connect')],
    [
      'a client after a connection error',
      new Error('Client has encountered a connection error and is not queryable'),
    ],
    ['the pool ended (shutting down)', new Error('Cannot use a pool after calling end on the pool')],
    ['57P01 admin_shutdown', sqlError('57P01')],
    ['57P02 crash_shutdown', sqlError('57P02')],
    ['57P03 cannot_connect_now', sqlError('57P03')],
    ['57014 statement_timeout', sqlError('57014')],
    ['25P03 idle_in_transaction_session_timeout', sqlError('25P03')],
    ['08006 connection_failure', sqlError('08006')],
    ['08001 unable to connect', sqlError('08001')],
    ['53300 too_many_connections', sqlError('53300')],
    ['a wrapped 57P01', wrapped(sqlError('57P01'))],
    ['a wrapped connection end', wrapped(new Error('Connection terminated unexpectedly'))],
    ['a wrapped read timeout', wrapped(new Error('Query read timeout'))],
    ['a cause', new Error('outer', { cause: withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED') })],
    [
      'refused on every address',
      new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], 'all refused'),
    ],
  ])('%s: 503 service_unavailable, retry_after_ms, no driver text', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(toErrorBody(error)).toEqual(UNAVAILABLE);
  });

  it('answers the batcher giving up the same way', () => {
    expect(toErrorBody(new DatabaseUnavailable())).toEqual(UNAVAILABLE);
  });

  it.each([
    ['a plain Error', new Error('boom')],
    ['a unique violation', sqlError('23505', 'duplicate key value violates unique constraint "secret"')],
    ['a wrapped syntax error', wrapped(sqlError('42601', 'syntax error at or near "SELECT"'))],
    ['a deadlock', sqlError('40P01')],
    ['a string', 'Connection terminated'],
    ['null', null],
    ['an odd code', withCode('x', 'E08001')],
  ])('%s: 500 internal_error, no driver text', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(toErrorBody(error)).toEqual(INTERNAL);
  });

  it('keeps domain and HTTP errors as they were', () => {
    expect(toErrorBody(new DomainError('chat_not_found', 'Chat not found'))).toEqual({
      status: 404,
      code: 'chat_not_found',
      message: 'Chat not found',
    });
    expect(toErrorBody(new BadRequestException('raw text'))).toEqual({
      status: 400,
      code: 'bad_request',
      message: 'The request could not be understood',
    });
  });
});

describe('retryAfterSeconds', () => {
  it('rounds details.retry_after_ms up to whole seconds, and is absent without it', () => {
    expect(retryAfterSeconds(toErrorBody(new Error('Query read timeout')))).toBe(1);
    expect(
      retryAfterSeconds({
        status: 429,
        code: 'rate_limited',
        message: 'x',
        details: { retry_after_ms: 1001 },
      }),
    ).toBe(2);
    expect(
      retryAfterSeconds({ status: 429, code: 'rate_limited', message: 'x', details: { retry_after_ms: 0 } }),
    ).toBe(0);
    expect(retryAfterSeconds(toErrorBody(new Error('boom')))).toBeUndefined();
    expect(
      retryAfterSeconds({ status: 400, code: 'validation_failed', message: 'x', details: [] }),
    ).toBeUndefined();
  });
});
