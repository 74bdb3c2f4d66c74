import { MemoryPresenceStore } from './presence.store';

describe('MemoryPresenceStore', () => {
  const at = '2026-11-21T10:00:00.000Z';
  let store: MemoryPresenceStore;

  beforeEach(() => {
    store = new MemoryPresenceStore();
  });

  it('comes online at the first socket only, and goes pending at the last disconnect only', async () => {
    expect(await store.connected(7)).toBe(true);
    expect(await store.connected(7)).toBe(false);
    expect(await store.disconnected(7, at)).toBe(false);
    expect(await store.disconnected(7, at)).toBe(true);
    expect(await store.settle(7)).toBe(at);
    expect(await store.settle(7)).toBeNull();
  });

  it('treats a reconnect before the settling as a blink: neither online nor offline', async () => {
    await store.connected(7);
    await store.disconnected(7, at);
    expect(await store.connected(7)).toBe(false);
    expect(await store.settle(7)).toBeNull();
    expect(await store.disconnected(7, '2026-11-21T10:00:05.000Z')).toBe(true);
    expect(await store.settle(7)).toBe('2026-11-21T10:00:05.000Z');
  });

  it('tells which users have a socket open', async () => {
    await store.connected(7);
    await store.connected(8);
    await store.disconnected(8, at);
    expect(await store.online([7, 8, 9])).toEqual(new Set([7]));
  });

  it('never counts below zero', async () => {
    expect(await store.disconnected(7, at)).toBe(true);
    expect(await store.connected(7)).toBe(false);
    expect(await store.disconnected(7, at)).toBe(true);
    expect(await store.settle(7)).toBe(at);
    expect(await store.connected(7)).toBe(true);
  });

  it('keeps users apart', async () => {
    await store.connected(7);
    expect(await store.connected(8)).toBe(true);
    await store.disconnected(8, at);
    expect(await store.settle(7)).toBeNull();
    expect(await store.settle(8)).toBe(at);
  });
});
