import { loadConfig } from '../config/app.config';
import { DomainEventBus } from '../events/domain-events.bus';
import type { ActiveBan, UserBansRepository } from '../repositories/user-bans.repository';
import { BanChange, BanRegistry } from './ban-registry.service';

/** A repository whose reads the test answers, one at a time. */
class Reads {
  readonly pending: ((bans: ActiveBan[]) => void)[] = [];
  readonly repository = {
    active: () => new Promise<ActiveBan[]>((resolve) => this.pending.push(resolve)),
  } as unknown as UserBansRepository;

  answer(bans: ActiveBan[]): void {
    this.pending.shift()!(bans);
  }
}

const banned = (registry: BanRegistry, userId: number, now?: number): boolean => {
  try {
    registry.assertNotBanned(userId, now);
    return false;
  } catch {
    return true;
  }
};

describe('BanRegistry', () => {
  const config = loadConfig({ NODE_ENV: 'test' });
  let reads: Reads;
  let events: DomainEventBus;
  let registry: BanRegistry;
  let found: BanChange[][];

  beforeEach(() => {
    reads = new Reads();
    events = new DomainEventBus();
    registry = new BanRegistry(reads.repository, config, events);
    found = [];
    registry.onNewlyBanned((bans) => found.push(bans));
  });
  afterEach(() => registry.onApplicationShutdown());

  it("follows this instance's bans and unbans from the domain events", async () => {
    await events.publish({ type: 'user.banned', userId: 3, until: null });
    expect(banned(registry, 3)).toBe(true);
    await events.publish({ type: 'user.unbanned', userId: 3 });
    expect(banned(registry, 3)).toBe(false);
  });

  it('lets a ban with an end lapse by itself', () => {
    registry.apply({ userId: 4, until: 10_000 });
    expect(banned(registry, 4, 9_999)).toBe(true);
    expect(banned(registry, 4, 10_000)).toBe(false);
  });

  it('keeps a ban applied while a reload was reading (the read may predate it)', async () => {
    const reload = registry.reload();
    registry.apply({ userId: 5, until: null });
    registry.apply({ userId: 6, until: null });
    registry.apply({ userId: 6, until: undefined });
    reads.answer([{ userId: 6, until: null }]);
    await reload;
    expect(banned(registry, 5)).toBe(true);
    expect(banned(registry, 6)).toBe(false);
  });

  it('hands the bans a reload finds to the listeners once, and drops the lifted ones', async () => {
    let reload = registry.reload();
    reads.answer([{ userId: 7, until: new Date(Date.now() + 60_000) }]);
    await reload;
    expect(found).toEqual([[{ userId: 7, until: expect.any(Number) }]]);
    reload = registry.reload();
    reads.answer([{ userId: 7, until: null }]);
    await reload;
    expect(found).toHaveLength(1);
    reload = registry.reload();
    reads.answer([]);
    await reload;
    expect(banned(registry, 7)).toBe(false);
  });

  it('keeps the last known bans when the database does not answer', async () => {
    registry.apply({ userId: 8, until: null });
    const failing = new BanRegistry(
      { active: () => Promise.reject(new Error('Connection terminated')) } as unknown as UserBansRepository,
      config,
      events,
    );
    failing.apply({ userId: 8, until: null });
    await failing.reload();
    expect(banned(failing, 8)).toBe(true);
    failing.onApplicationShutdown();
  });
});
