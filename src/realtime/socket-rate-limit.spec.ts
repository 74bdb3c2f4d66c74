import { SocketRateLimiter } from './socket-rate-limit';

describe('SocketRateLimiter', () => {
  const rule = { burst: 3, perSecond: 2 };
  let limiter: SocketRateLimiter;

  beforeEach(() => {
    limiter = new SocketRateLimiter();
  });
  afterEach(() => limiter.onModuleDestroy());

  it('allows a burst, then refuses with the wait until the next token', () => {
    const now = 1_000_000;
    expect([1, 2, 3].map(() => limiter.take('send:1', rule, now))).toEqual([0, 0, 0]);
    expect(limiter.take('send:1', rule, now)).toBe(500);
    expect(limiter.take('send:1', rule, now + 250)).toBe(250);
  });

  it('refills at the rule rate, never past the burst', () => {
    const now = 1_000_000;
    for (let i = 0; i < 3; i++) limiter.take('send:1', rule, now);
    expect(limiter.take('send:1', rule, now + 500)).toBe(0);
    expect(limiter.take('send:1', rule, now + 500)).toBeGreaterThan(0);
    const later = now + 60_000;
    expect([1, 2, 3, 4].map(() => limiter.take('send:1', rule, later))).toEqual([0, 0, 0, 500]);
  });

  it('keeps one bucket per key', () => {
    const now = 1_000_000;
    for (let i = 0; i < 3; i++) limiter.take('send:1', rule, now);
    expect(limiter.take('send:1', rule, now)).toBeGreaterThan(0);
    expect(limiter.take('send:2', rule, now)).toBe(0);
    expect(limiter.take('typing:1', rule, now)).toBe(0);
  });
});
