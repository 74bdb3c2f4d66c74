import 'reflect-metadata';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { MESSAGE_MAPPING_METADATA, MESSAGE_METADATA } from '@nestjs/websockets/constants';
import { loadConfig } from '../config/app.config';
import { CLIENT_EVENTS } from './socket-contract.catalog';
import { RealtimeGateway } from './realtime.gateway';
import { RateBudget } from '../common/rate-budget';
import { eventRules, SocketRateLimiter } from './socket-rate-limit.interceptor';

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

  it('spreads a per-minute budget: n at once, then one every 60/n seconds', () => {
    const limiter = new SocketRateLimiter(loadConfig({ SOCKET_HANDSHAKES_PER_USER: '6' }));
    try {
      expect(Array.from({ length: 7 }, () => limiter.handshakesPerUser.take(1, now))).toEqual([
        0, 0, 0, 0, 0, 0, 10_000,
      ]);
    } finally {
      limiter.onModuleDestroy();
    }
  });
});

describe('every client event has a budget', () => {
  const config = loadConfig({});
  const rules: Record<string, unknown> = eventRules(config.socketLimits.rates);
  const handlers = Object.getOwnPropertyNames(RealtimeGateway.prototype)
    .map((name) => Reflect.get(RealtimeGateway.prototype, name) as unknown)
    .filter(
      (method): method is object =>
        typeof method === 'function' && Reflect.getMetadata(MESSAGE_MAPPING_METADATA, method) === true,
    )
    .map((method) => Reflect.getMetadata(MESSAGE_METADATA, method) as string);

  it('finds the gateway handlers', () => {
    expect(handlers.length).toBeGreaterThanOrEqual(6);
  });

  it('runs the rate-limit interceptor on every handler of the gateway', () => {
    const interceptors = Reflect.getMetadata(INTERCEPTORS_METADATA, RealtimeGateway) as { name: string }[];
    expect(interceptors.map((interceptor) => interceptor.name)).toContain('WsRateLimitInterceptor');
  });

  it('gives each handled event a rule of its own, named in the socket contract', () => {
    expect(handlers.filter((event) => !(event in rules))).toEqual([]);
    expect(Object.keys(rules).sort()).toEqual(Object.keys(CLIENT_EVENTS).sort());
  });

  it('falls back to the shared budget for an event without a rule', () => {
    const limiter = new SocketRateLimiter(config);
    try {
      expect(limiter.forEvent('message:react').rule).toBe(config.socketLimits.rates.other);
      expect(limiter.forEvent('chat:sync').rule).toBe(config.socketLimits.rates.chatSync);
    } finally {
      limiter.onModuleDestroy();
    }
  });
});
