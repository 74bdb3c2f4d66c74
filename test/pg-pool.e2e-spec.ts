import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source.options';
import { DroppingClient } from '../src/database/pg-client.driver';
import { poolOf } from '../src/database/pg-pool.driver';

/**
 * Pins what src/database/pg-pool.driver.ts relies on: TypeORM builds the DataSource's one pool with
 * `new options.driver.Pool(...)` on `initialize()` (its documented `driver` option), from our
 * options, and runs its own queries on it; so connections the send batcher checks out of
 * `poolOf(db)` count against the same DATABASE_POOL_SIZE, and dropping one frees its slot.
 */
describe('the DataSource’s pg pool', () => {
  let db: DataSource;

  beforeEach(() => {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('TEST_DATABASE_URL is not set: run the e2e tests through jest (global setup)');
    db = new DataSource(dataSourceOptions(url, 2, { connectMs: 5000, queryMs: 5000 }));
  });

  afterEach(async () => {
    if (db.isInitialized) await db.destroy();
  });

  /** Lets the event loop turn until `done()` holds (at most a second). */
  async function until(done: () => boolean): Promise<void> {
    for (let turn = 0; turn < 1000 && !done(); turn += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(done()).toBe(true);
  }

  it('is built by TypeORM on initialize, from our options', async () => {
    expect(poolOf(db)).toBeUndefined();
    await db.initialize();
    const pool = poolOf(db);
    expect(pool).toBeDefined();
    expect(pool?.options.max).toBe(2);
    expect(pool?.options.Client).toBe(DroppingClient);
  });

  it('serves TypeORM’s queries: they wait for a connection checked out of it', async () => {
    await db.initialize();
    const pool = poolOf(db)!;
    const held = [await pool.connect(), await pool.connect()];
    let answered = false;
    const query = db.query('SELECT 1').then(() => (answered = true));
    await until(() => pool.waitingCount === 1);
    expect(answered).toBe(false);
    held[0].release();
    await query;
    expect(answered).toBe(true);
    held[1].release(new Error('dropped'));
    await until(() => pool.totalCount === 1);
    expect(pool.idleCount).toBe(1);
  });
});
