import type { RateRule } from '../config/app.config';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * One token bucket per key (a user, an address) under one rule: `burst` at once, refilled at
 * `perSecond`. In this instance's memory; the socket limits and the per-user budgets of chat
 * creation and member additions use it.
 */
export class RateBudget {
  private readonly buckets = new Map<number | string, Bucket>();

  constructor(readonly rule: RateRule) {}

  /**
   * Takes `count` tokens (a token by default; at most the whole burst, so that any count can
   * pass on a full bucket): 0 when allowed, else the milliseconds until there are enough.
   */
  take(key: number | string, now = Date.now(), count = 1): number {
    const { burst, perSecond } = this.rule;
    const needed = Math.min(count, burst);
    let bucket = this.buckets.get(key);
    if (bucket) {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
    } else {
      bucket = { tokens: burst, at: now };
      this.buckets.set(key, bucket);
    }
    if (bucket.tokens < needed) return Math.ceil(((needed - bucket.tokens) / perSecond) * 1000);
    bucket.tokens -= needed;
    return 0;
  }

  /** The milliseconds until `key` has `count` tokens (as take counts them), taking none; a key never seen has a full bucket. */
  waitFor(key: number | string, now = Date.now(), count = 1): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return 0;
    const { burst, perSecond } = this.rule;
    const needed = Math.min(count, burst);
    const tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    return tokens >= needed ? 0 : Math.ceil(((needed - tokens) / perSecond) * 1000);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** A bucket that has refilled completely is the same as none: forgetting it changes nothing. */
  sweep(now = Date.now()): void {
    const { burst, perSecond } = this.rule;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * perSecond >= burst) this.buckets.delete(key);
    }
  }
}
