import type { Redis } from 'ioredis';

/**
 * Counts each user's open sockets across all instances. A user's last disconnect leaves a
 * "pending offline" mark with the time; whoever settles it later (or a reconnect, which
 * silently removes it) decides whether anyone hears about it, so a quick reconnect shows no
 * flicker and exactly one instance announces a real departure.
 */
export interface PresenceStore {
  /** Counts a new socket; true when the user just came online (not back from a blink). */
  connected(userId: number): Promise<boolean>;
  /** Uncounts a socket; true when it was the user's last one (an offline is now pending). */
  disconnected(userId: number, at: string): Promise<boolean>;
  /** The pending offline's time if the user is still gone (and clears it), else null. */
  settle(userId: number): Promise<string | null>;
}

export class MemoryPresenceStore implements PresenceStore {
  private readonly counts = new Map<number, number>();
  private readonly pending = new Map<number, string>();

  connected(userId: number): Promise<boolean> {
    const count = (this.counts.get(userId) ?? 0) + 1;
    this.counts.set(userId, count);
    const blink = this.pending.delete(userId);
    return Promise.resolve(count === 1 && !blink);
  }

  disconnected(userId: number, at: string): Promise<boolean> {
    const count = Math.max(0, (this.counts.get(userId) ?? 0) - 1);
    if (count > 0) {
      this.counts.set(userId, count);
      return Promise.resolve(false);
    }
    this.counts.delete(userId);
    this.pending.set(userId, at);
    return Promise.resolve(true);
  }

  settle(userId: number): Promise<string | null> {
    const at = this.pending.get(userId);
    if (at === undefined || this.counts.has(userId)) return Promise.resolve(null);
    this.pending.delete(userId);
    return Promise.resolve(at);
  }
}

/** KEYS[1] count, KEYS[2] pending. A count never goes below zero (e.g. after a Redis flush). */
const DISCONNECT = `
local n = redis.call('DECR', KEYS[1])
if n > 0 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
return 1`;

const SETTLE = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then return false end
local at = redis.call('GET', KEYS[2])
redis.call('DEL', KEYS[2])
return at`;

const CONNECT = `
local n = redis.call('INCR', KEYS[1])
local blink = redis.call('DEL', KEYS[2])
if n == 1 and blink == 0 then return 1 end
return 0`;

/** Marks outlive any debounce by far; they only guard against an instance dying mid-way. */
const PENDING_TTL_SECONDS = 300;

export class RedisPresenceStore implements PresenceStore {
  constructor(
    private readonly redis: Redis,
    private readonly key: (...parts: (string | number)[]) => string,
  ) {}

  async connected(userId: number): Promise<boolean> {
    return (await this.redis.eval(CONNECT, 2, ...this.keys(userId))) === 1;
  }

  async disconnected(userId: number, at: string): Promise<boolean> {
    return (await this.redis.eval(DISCONNECT, 2, ...this.keys(userId), at, PENDING_TTL_SECONDS)) === 1;
  }

  async settle(userId: number): Promise<string | null> {
    return (await this.redis.eval(SETTLE, 2, ...this.keys(userId))) as string | null;
  }

  private keys(userId: number): [string, string] {
    return [this.key('presence', userId, 'sockets'), this.key('presence', userId, 'offline-at')];
  }
}
