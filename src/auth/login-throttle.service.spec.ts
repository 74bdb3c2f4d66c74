import { DomainError } from '../common/errors/domain.errors';
import { domainErrorBody } from '../common/http/error-status.mapping';
import type { AppConfig } from '../config/app.config';
import { LoginThrottle } from './login-throttle.service';

function throttle(max = 3, windowSeconds = 60): LoginThrottle {
  return new LoginThrottle({
    authUsernameRateLimitMax: max,
    authUsernameRateLimitWindowSeconds: windowSeconds,
  } as AppConfig);
}

function refusal(run: () => void): DomainError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error('expected a refusal');
}

describe('LoginThrottle', () => {
  it('refuses the attempt after the budget of failures, until the oldest leaves the window', () => {
    const limiter = throttle(3, 60);
    limiter.attempt('anna', 0);
    limiter.attempt('anna', 10_000);
    limiter.attempt('anna', 20_000);
    const error = refusal(() => limiter.attempt('anna', 30_000));
    expect(domainErrorBody(error)).toEqual({
      status: 429,
      code: 'rate_limited',
      message: expect.any(String),
      details: { retry_after_ms: 30_000, retry_after_seconds: 30 },
    });
    // Refused attempts do not extend the lock.
    expect(refusal(() => limiter.attempt('anna', 59_999)).details).toEqual({
      retry_after_ms: 1,
      retry_after_seconds: 1,
    });
    limiter.attempt('anna', 60_000);
    refusal(() => limiter.attempt('anna', 60_001));
    expect(() => limiter.attempt('ben', 60_001)).not.toThrow();
  });

  it('forgets the failures of a username that logs in', () => {
    const limiter = throttle(2, 60);
    limiter.attempt('anna', 0);
    limiter.attempt('anna', 1);
    refusal(() => limiter.attempt('anna', 2));
    limiter.succeeded('anna');
    limiter.attempt('anna', 3);
    limiter.attempt('anna', 4);
    refusal(() => limiter.attempt('anna', 5));
    limiter.onApplicationShutdown();
  });

  it('takes back an attempt that could not be checked', () => {
    const limiter = throttle(2, 60);
    limiter.attempt('anna', 0);
    limiter.attempt('anna', 1);
    limiter.undo('anna');
    limiter.attempt('anna', 2);
    refusal(() => limiter.attempt('anna', 3));
    limiter.undo('ben');
  });
});
