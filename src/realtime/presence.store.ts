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
  /** Which of `userIds` have a socket open (on any instance, for a shared store). */
  online(userIds: readonly number[]): Promise<Set<number>>;
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

  online(userIds: readonly number[]): Promise<Set<number>> {
    return Promise.resolve(new Set(userIds.filter((userId) => this.counts.has(userId))));
  }
}

/**
 * What the Redis store keeps besides each user's count and pending mark: every instance's own
 * share of the counts (a hash of user id to sockets) and the time of its last heartbeat (a sorted
 * set), so that the share of an instance that died without disconnecting its sockets (SIGKILL,
 * a lost host) is taken back by a surviving one.
 */
export interface SharedPresenceStore extends PresenceStore {
  /**
   * Replaces this instance's share with `local` (user id to open sockets here) and registers it
   * as alive: after a lost connection, when updates may have been lost, or after it was taken for
   * dead. Returns who came online and who went offline (pending) by the change.
   */
  sync(local: ReadonlyMap<number, number>): Promise<{ online: number[]; offline: number[] }>;
  /** Renews this instance's heartbeat; false when it was taken for dead (then `sync`). */
  heartbeat(): Promise<boolean>;
  /**
   * Takes back the shares of instances silent for `timeoutMs`; returns the users left with no
   * socket (an offline is now pending for them, dated at their instance's last heartbeat).
   */
  reap(timeoutMs: number): Promise<number[]>;
  /** Removes this instance's heartbeat and share (at shutdown, once its sockets are gone). */
  leave(): Promise<void>;
}

/** Milliseconds of the Redis server's clock, which every instance shares. */
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS[1] count, KEYS[2] pending, KEYS[3] instance share; ARGV[1] user id. */
const CONNECT = `
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
local n = redis.call('INCR', KEYS[1])
local blink = redis.call('DEL', KEYS[2])
if n == 1 and blink == 0 then return 1 end
return 0`;

/**
 * KEYS[1] count, KEYS[2] pending, KEYS[3] instance share; ARGV[1] at, ARGV[2] mark TTL, ARGV[3]
 * user id. Each count is the sum of the instances' shares: a socket that this instance's share
 * no longer holds (taken back by a reaper, or lost with a Redis flush) was uncounted already.
 */
const DISCONNECT = `
local mine = redis.call('HINCRBY', KEYS[3], ARGV[3], -1)
if mine <= 0 then redis.call('HDEL', KEYS[3], ARGV[3]) end
if mine < 0 then return 0 end
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

/**
 * A Lua function of the scripts below: adds `delta` to a user's count; returns 1 when the user
 * came online (not back from a blink), -1 when they went offline (now pending), else 0.
 */
const APPLY_DELTA = `
local function apply(prefix, user, delta, at, ttl)
  local countKey = prefix .. ':presence:' .. user .. ':sockets'
  local n = redis.call('INCRBY', countKey, delta)
  if n <= 0 then
    redis.call('DEL', countKey)
    if n - delta > 0 then
      redis.call('SET', prefix .. ':presence:' .. user .. ':offline-at', at, 'EX', ttl)
      return -1
    end
  elseif n == delta then
    if redis.call('DEL', prefix .. ':presence:' .. user .. ':offline-at') == 0 then return 1 end
  end
  return 0
end`;

/**
 * KEYS[1] instances, KEYS[2] this instance's share; ARGV[1] prefix, ARGV[2] instance id,
 * ARGV[3] at, ARGV[4] mark TTL, then user id and count pairs.
 */
const SYNC = `${NOW_MS}
${APPLY_DELTA}
redis.call('ZADD', KEYS[1], now, ARGV[2])
local old = {}
local flat = redis.call('HGETALL', KEYS[2])
for i = 1, #flat, 2 do old[flat[i]] = tonumber(flat[i + 1]) end
local new = {}
for i = 5, #ARGV, 2 do new[ARGV[i]] = tonumber(ARGV[i + 1]) end
local online, offline = {}, {}
local function change(user, delta)
  if delta == 0 then return end
  local moved = apply(ARGV[1], user, delta, ARGV[3], ARGV[4])
  if moved == 1 then table.insert(online, user) elseif moved == -1 then table.insert(offline, user) end
end
for user, count in pairs(new) do change(user, count - (old[user] or 0)) end
for user, count in pairs(old) do if new[user] == nil then change(user, -count) end end
redis.call('DEL', KEYS[2])
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
return {online, offline}`;

/** KEYS[1] instances; ARGV[1] instance id. Renews the heartbeat of a registered instance only. */
const HEARTBEAT = `${NOW_MS}
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[1])
return 1`;

/** KEYS[1] instances; ARGV[1] timeout in ms. The instances silent for longer, with their last beat. */
const DEAD = `${NOW_MS}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]), 'WITHSCORES')`;

/**
 * KEYS[1] instances, KEYS[2] the dead instance's share; ARGV[1] prefix, ARGV[2] its id, ARGV[3]
 * at, ARGV[4] mark TTL. Only the first instance to reap it gets its users.
 */
const REAP = `${APPLY_DELTA}
if redis.call('ZREM', KEYS[1], ARGV[2]) == 0 then return {} end
local offline = {}
local flat = redis.call('HGETALL', KEYS[2])
for i = 1, #flat, 2 do
  if apply(ARGV[1], flat[i], -tonumber(flat[i + 1]), ARGV[3], ARGV[4]) == -1 then table.insert(offline, flat[i]) end
end
redis.call('DEL', KEYS[2])
return offline`;

/** Marks outlive any debounce by far; they only guard against an instance dying mid-way. */
const PENDING_TTL_SECONDS = 300;

export class RedisPresenceStore implements SharedPresenceStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly instanceId: string,
  ) {}

  async connected(userId: number): Promise<boolean> {
    return (await this.redis.eval(CONNECT, 3, ...this.keys(userId), this.share(), userId)) === 1;
  }

  async disconnected(userId: number, at: string): Promise<boolean> {
    const keys = [...this.keys(userId), this.share()];
    return (await this.redis.eval(DISCONNECT, 3, ...keys, at, PENDING_TTL_SECONDS, userId)) === 1;
  }

  async settle(userId: number): Promise<string | null> {
    return (await this.redis.eval(SETTLE, 2, ...this.keys(userId))) as string | null;
  }

  async online(userIds: readonly number[]): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    const counts = await this.redis.mget(userIds.map((userId) => this.keys(userId)[0]));
    return new Set(userIds.filter((_, i) => Number(counts[i] ?? 0) > 0));
  }

  async sync(local: ReadonlyMap<number, number>): Promise<{ online: number[]; offline: number[] }> {
    const pairs = [...local].filter(([, count]) => count > 0).flat();
    const [online, offline] = (await this.redis.eval(
      SYNC,
      2,
      this.instances(),
      this.share(),
      this.prefix,
      this.instanceId,
      new Date().toISOString(),
      PENDING_TTL_SECONDS,
      ...pairs,
    )) as [string[], string[]];
    return { online: online.map(Number), offline: offline.map(Number) };
  }

  async heartbeat(): Promise<boolean> {
    return (await this.redis.eval(HEARTBEAT, 1, this.instances(), this.instanceId)) === 1;
  }

  async reap(timeoutMs: number): Promise<number[]> {
    const dead = (await this.redis.eval(DEAD, 1, this.instances(), timeoutMs)) as string[];
    const offline: number[] = [];
    for (let i = 0; i < dead.length; i += 2) {
      const [id, lastBeat] = [dead[i], Number(dead[i + 1])];
      const at = new Date(lastBeat).toISOString();
      const users = (await this.redis.eval(
        REAP,
        2,
        this.instances(),
        this.share(id),
        this.prefix,
        id,
        at,
        PENDING_TTL_SECONDS,
      )) as string[];
      offline.push(...users.map(Number));
    }
    return offline;
  }

  async leave(): Promise<void> {
    // Not connected, it would wait for Redis in the client's queue: the others reap this instance.
    if (this.redis.status !== 'ready') return;
    await this.redis.multi().zrem(this.instances(), this.instanceId).del(this.share()).exec();
  }

  private keys(userId: number): [string, string] {
    return [this.key('presence', userId, 'sockets'), this.key('presence', userId, 'offline-at')];
  }

  private instances(): string {
    return this.key('presence', 'instances');
  }

  private share(instanceId = this.instanceId): string {
    return this.key('presence', 'instance', instanceId);
  }

  private key(...parts: (string | number)[]): string {
    return [this.prefix, ...parts].join(':');
  }
}
