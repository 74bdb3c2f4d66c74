import { ThrottlerStorageService } from '@nestjs/throttler';
import { RateLimitStorage } from './rate-limit.guard';

describe('RateLimitStorage', () => {
  let now: number;
  beforeEach(() => {
    now = 1_700_000_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  /** A small deterministic generator, so that a failure can be replayed. */
  const random = (seed: number) => () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };

  it.each([
    { blockDuration: 10_000, seed: 1 },
    { blockDuration: 3_000, seed: 2 },
    { blockDuration: 0, seed: 3 },
  ])(
    'answers exactly like @nestjs/throttler’s storage (block $blockDuration ms)',
    async ({ blockDuration, seed }) => {
      const ours = new RateLimitStorage();
      const library = new ThrottlerStorageService();
      const next = random(seed);
      const ttl = 10_000;
      const limit = 5;
      try {
        for (let step = 0; step < 3000; step += 1) {
          // Bursts, pauses shorter and longer than the window, two clients, two budgets.
          now += next() < 0.7 ? Math.floor(next() * 400) : Math.floor(next() * 15_000);
          const key = next() < 0.5 ? 'route-a-1.2.3.4' : 'route-b-5.6.7.8';
          const name = next() < 0.8 ? 'default' : 'auth';
          const args = [`${name}-${key}`, ttl, limit, blockDuration, name] as const;
          const expected = await library.increment(...args);
          await expect(ours.increment(...args)).resolves.toEqual(expected);
        }
      } finally {
        ours.onApplicationShutdown();
        library.onApplicationShutdown();
      }
    },
  );

  it('costs the same per request however many hits the window holds', () => {
    const storage = new RateLimitStorage();
    for (let hit = 0; hit < 100_000; hit += 1) {
      now += 1;
      storage.hit('key', 60_000, 1_000_000, 60_000, 'default');
    }
    // CPU time of this process, not wall time: on a busy machine (parallel Jest workers, other
    // jobs) the loop is descheduled for whole milliseconds, which says nothing of its cost.
    const started = process.cpuUsage();
    for (let hit = 0; hit < 10_000; hit += 1) storage.hit('key', 60_000, 1_000_000, 60_000, 'default');
    const { user, system } = process.cpuUsage(started);
    const perHitMicroseconds = (user + system) / 10_000;
    expect(perHitMicroseconds).toBeLessThan(20);
    storage.onApplicationShutdown();
  });
});
