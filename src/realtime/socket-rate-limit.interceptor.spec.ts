import 'reflect-metadata';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
import { MESSAGE_MAPPING_METADATA, MESSAGE_METADATA } from '@nestjs/websockets/constants';
import { loadConfig } from '../config/app.config';
import { CLIENT_EVENTS } from './socket-contract.catalog';
import { RealtimeGateway } from './realtime.gateway';
import { eventRules, SocketRateLimiter } from './socket-rate-limit.interceptor';

describe('SocketRateLimiter', () => {
  const now = 1_000_000;

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
