import * as pg from 'pg';
import type { DataSource } from 'typeorm';

/** The pool each driver object built, by driver object (one per DataSource options object). */
const pools = new WeakMap<object, pg.Pool>();

/**
 * The pg module for TypeORM's documented `driver` option, with a Pool that records itself: TypeORM
 * builds its pool with `new driver.Pool(options)` on `initialize()`, and keeps it to itself. The
 * send batcher needs a connection of that same pool (one DATABASE_POOL_SIZE, one set of timeouts
 * and the DroppingClient) that it can drop with pg's `release(error)`, which a QueryRunner cannot
 * do; the metrics read the pool's counts. Both go through {@link poolOf}, pg's public API only.
 * pg-pool.e2e-spec.ts pins that TypeORM builds its pool through this option.
 */
export function pgDriver(): typeof pg {
  const driver = { ...pg };
  class RecordedPool extends pg.Pool {
    constructor(config?: pg.PoolConfig) {
      super(config);
      pools.set(driver, this);
    }
  }
  driver.Pool = RecordedPool;
  return driver;
}

/** The pg pool of a DataSource built on {@link pgDriver}, once it was initialized. */
export function poolOf(db: DataSource): pg.Pool | undefined {
  const { driver } = db.options as { driver?: unknown };
  return typeof driver === 'object' && driver !== null ? pools.get(driver) : undefined;
}
