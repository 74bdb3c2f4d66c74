import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Banned } from '../common/errors/domain.errors';
import { AppConfig } from '../config/app.config';
import { DomainEventBus } from '../events/domain-events.bus';
import { UserBansRepository } from '../repositories/user-bans.repository';

/** A change of one user's ban: until when (ms since the epoch; null: for good), or lifted. */
export interface BanChange {
  userId: number;
  /** undefined: the ban is lifted. */
  until: number | null | undefined;
}

/**
 * This instance's copy of the bans in force, so that every request and socket handshake checks
 * one map lookup rather than the database. Kept current three ways:
 * - this instance's own bans and unbans, from the domain events, at once;
 * - the other instances', through the realtime channel (Redis), within milliseconds
 *   (see BanEnforcer, which also feeds it `bans:changed` from the others);
 * - the database, read in full at start, every BAN_REFRESH_INTERVAL_SECONDS, and when Redis comes
 *   back: the fallback for whatever a Redis outage lost. Users it finds newly banned are handed to
 *   the `newlyBanned` listeners (their sockets on this instance are disconnected).
 * A ban with an end stops counting at that moment, without any event. Login and refresh do not
 * rely on this copy: they ask PostgreSQL (UserBansRepository.activeOf).
 */
@Injectable()
export class BanRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BanRegistry');
  /** User id → end of the ban in ms (null: for good). */
  private bans = new Map<number, number | null>();
  /** Changes applied while a reload runs: replayed over what it read (which may predate them). */
  private duringReload: BanChange[] | undefined;
  private reloading?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private readonly listeners: ((bans: BanChange[]) => void)[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly repository: UserBansRepository,
    private readonly config: AppConfig,
    events: DomainEventBus,
  ) {
    this.unsubscribe = events.subscribe((event) => {
      if (event.type === 'user.banned') {
        this.apply({ userId: event.userId, until: event.until === null ? null : Date.parse(event.until) });
      } else if (event.type === 'user.unbanned') {
        this.apply({ userId: event.userId, until: undefined });
      }
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => void this.reload(), this.config.banRefreshIntervalSeconds * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.unsubscribe();
  }

  /** Throws 403 `banned` when the user is banned now. */
  assertNotBanned(userId: number, now = Date.now()): void {
    const until = this.bans.get(userId);
    if (until === undefined) return;
    if (until !== null && until <= now) {
      this.bans.delete(userId);
      return;
    }
    throw new Banned(until === null ? null : new Date(until));
  }

  /** Records a ban or unban made anywhere (this instance's, or another's told through Redis). */
  apply(change: BanChange): void {
    this.duringReload?.push(change);
    applyTo(this.bans, change);
  }

  /** Calls `listener` with the bans a reload found that this copy did not know of. */
  onNewlyBanned(listener: (bans: BanChange[]) => void): void {
    this.listeners.push(listener);
  }

  /** Reads every ban in force from PostgreSQL (one reload at a time); never rejects. */
  reload(): Promise<void> {
    this.reloading ??= this.read().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  private async read(): Promise<void> {
    this.duringReload = [];
    try {
      const rows = await this.repository.active();
      const fresh = new Map(rows.map((row) => [row.userId, row.until === null ? null : row.until.getTime()]));
      for (const change of this.duringReload) applyTo(fresh, change);
      const newly = [...fresh]
        .filter(([userId]) => !this.bans.has(userId))
        .map(([userId, until]): BanChange => ({ userId, until }));
      this.bans = fresh;
      if (newly.length > 0) for (const listener of this.listeners) listener(newly);
    } catch (error) {
      this.logger.warn(
        `Reading the bans failed; keeping the last known ones: ${error instanceof Error ? error.message : String(error)}`,
      );
    } finally {
      this.duringReload = undefined;
    }
  }
}

function applyTo(bans: Map<number, number | null>, change: BanChange): void {
  if (change.until === undefined) bans.delete(change.userId);
  else bans.set(change.userId, change.until);
}
