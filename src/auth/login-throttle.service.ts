import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app.config';
import { RateLimited } from '../common/errors/domain.errors';

/** Usernames tracked at most; past it the longest-tracked is forgotten, so memory stays bounded. */
const MAX_TRACKED_USERNAMES = 100_000;

/**
 * Failed logins per username, on top of the per-address budget of the HTTP rate limit: a
 * guessing attack on one account from many addresses still gets AUTH_USERNAME_RATE_LIMIT_MAX
 * guesses per AUTH_USERNAME_RATE_LIMIT_WINDOW_SECONDS. While a username's window is full, its
 * logins are refused with 429 before the password is checked, right or wrong, until the oldest
 * failure leaves the window: an attack that goes on keeps the owner out too, for at most one
 * window after it stops. A successful login clears the username's failures. Counted in this
 * instance's memory, like the HTTP rate limits.
 */
@Injectable()
export class LoginThrottle implements OnApplicationShutdown {
  private readonly max: number;
  private readonly windowMs: number;
  /** Times (ms) of each username's failures in the window, oldest first. */
  private readonly failures = new Map<string, number[]>();
  private sweeper?: NodeJS.Timeout;

  constructor(config: AppConfig) {
    this.max = config.authUsernameRateLimitMax;
    this.windowMs = config.authUsernameRateLimitWindowSeconds * 1000;
  }

  /**
   * Counts a login attempt for `username` as a failure until {@link succeeded} says otherwise
   * (counted before the password is checked, so that parallel guesses cannot all pass), or
   * throws 429 `rate_limited` while the username has used up its failures.
   */
  attempt(username: string, now = Date.now()): void {
    const times = this.current(username, now);
    if (times && times.length >= this.max) {
      const retryAfterMs = Math.max(1, times[0] + this.windowMs - now);
      throw new RateLimited('Too many failed logins for this username, try again later', retryAfterMs, {
        withSeconds: true,
      });
    }
    if (times) {
      times.push(now);
      return;
    }
    if (this.failures.size >= MAX_TRACKED_USERNAMES) {
      this.failures.delete(this.failures.keys().next().value!);
    }
    this.failures.set(username, [now]);
    this.sweeper ??= setInterval(() => this.sweep(), this.windowMs).unref();
  }

  /** Takes back one attempt that neither succeeded nor failed (the database did not answer). */
  undo(username: string): void {
    const times = this.failures.get(username);
    times?.pop();
    if (times?.length === 0) this.failures.delete(username);
  }

  /** Clears the username's failures (and the attempt counted for this login). */
  succeeded(username: string): void {
    this.failures.delete(username);
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.failures.clear();
  }

  /** The username's failures still in the window, or undefined when there are none. */
  private current(username: string, now: number): number[] | undefined {
    const times = this.failures.get(username);
    if (!times) return undefined;
    let expired = 0;
    while (expired < times.length && times[expired] + this.windowMs <= now) expired += 1;
    if (expired === times.length) {
      this.failures.delete(username);
      return undefined;
    }
    if (expired > 0) times.splice(0, expired);
    return times;
  }

  private sweep(now = Date.now()): void {
    for (const username of this.failures.keys()) this.current(username, now);
  }
}
