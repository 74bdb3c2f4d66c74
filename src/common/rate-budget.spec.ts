import { RateBudget } from './rate-budget';

describe('RateBudget', () => {
  const rule = { burst: 3, perSecond: 2 };
  const now = 1_000_000;

  it('allows a burst, then refuses with the wait until the next token', () => {
    const budget = new RateBudget(rule);
    expect([1, 2, 3].map(() => budget.take(1, now))).toEqual([0, 0, 0]);
    expect(budget.take(1, now)).toBe(500);
    expect(budget.take(1, now + 250)).toBe(250);
  });

  it('refills at the rule rate, never past the burst', () => {
    const budget = new RateBudget(rule);
    for (let i = 0; i < 3; i++) budget.take(1, now);
    expect(budget.take(1, now + 500)).toBe(0);
    expect(budget.take(1, now + 500)).toBeGreaterThan(0);
    const later = now + 60_000;
    expect([1, 2, 3, 4].map(() => budget.take(1, later))).toEqual([0, 0, 0, 500]);
  });

  it('keeps one bucket per key', () => {
    const budget = new RateBudget(rule);
    for (let i = 0; i < 3; i++) budget.take(1, now);
    expect(budget.take(1, now)).toBeGreaterThan(0);
    expect(budget.take(2, now)).toBe(0);
    expect(budget.take('198.51.100.7', now)).toBe(0);
  });

  it('tells the wait for a token without taking one, and keeps nothing for a key it never saw', () => {
    const budget = new RateBudget(rule);
    expect(budget.waitFor(1, now)).toBe(0);
    expect(budget.size).toBe(0);
    for (let i = 0; i < 3; i++) budget.take(1, now);
    expect(budget.waitFor(1, now)).toBe(500);
    expect(budget.waitFor(1, now)).toBe(500);
    expect(budget.waitFor(1, now + 500)).toBe(0);
  });

  it('forgets only the buckets that have refilled', () => {
    const budget = new RateBudget(rule);
    budget.take(1, now);
    for (let i = 0; i < 3; i++) budget.take(2, now + 1000);
    budget.sweep(now + 1000);
    expect(budget.size).toBe(1);
    budget.sweep(now + 2500);
    expect(budget.size).toBe(0);
  });

  it('takes several tokens at once, at most the whole burst, and tells the wait for them', () => {
    const budget = new RateBudget(rule);
    expect(budget.waitFor(1, now, 2)).toBe(0);
    expect(budget.take(1, now, 2)).toBe(0);
    expect(budget.waitFor(1, now, 2)).toBe(500);
    expect(budget.take(1, now, 2)).toBe(500);
    expect(budget.take(1, now, 1)).toBe(0);
    // More than the burst: it passes on a full bucket, and empties it.
    const big = new RateBudget(rule);
    expect(big.take(1, now, 10)).toBe(0);
    expect(big.take(1, now)).toBe(500);
    expect(big.waitFor(1, now, 10)).toBe(1500);
  });
});
