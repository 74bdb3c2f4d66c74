import { GCProfiler } from 'node:v8';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source.options';
import { poolOf } from '../../src/database/pg-pool.driver';
import { migratedDatabase, MigratedDatabase } from '../support/integration-database.fixture';

/** A page's worth of rows: 200 of them, with text, a timestamp and a JSON column, as history has. */
const PAGE_SQL = `SELECT g AS id, 'message number ' || g || ' of the page' AS content, now() AS created_at,
                         NULL::jsonb AS location
                    FROM generate_series(1, 200) g`;

/**
 * Bytes that young-generation collections (scavenges) moved into the old generation while `run`
 * ran `count` times, per run: the growth of old space across each scavenge, as V8's GC profiler
 * reports it. A result that is dropped as soon as it is read should not get there.
 */
async function promotedPerRun(run: () => Promise<unknown>, count: number) {
  const profiler = new GCProfiler();
  profiler.start();
  for (let n = 0; n < count; n += 1) await run();
  const { statistics } = profiler.stop();
  const oldSpace = (heap: (typeof statistics)[number]['afterGC']) =>
    heap.heapSpaceStatistics.find((space) => space.spaceName === 'old_space')?.spaceUsedSize ?? 0;
  const scavenges = statistics.filter((gc) => gc.gcType === 'Scavenge');
  const promoted = scavenges.reduce((sum, gc) => sum + oldSpace(gc.afterGC) - oldSpace(gc.beforeGC), 0);
  return { bytes: promoted / count, scavenges: scavenges.length };
}

/**
 * The rows a statement returns die young: DroppingClient answers every statement through
 * node-postgres' callback API and keeps its read timeout in a timer that does not hold the
 * statement. Through node-postgres' promise API, or with its own query_timeout, each result
 * stayed reachable past the next scavenges and was promoted, every page read (30 KB of this
 * page, main at b19b591) growing the old generation until a full collection, and every scavenge
 * copying them (6–15 ms instead of under 1 in the service at 100 pages a second).
 */
describe('the pool’s client and the garbage collector (integration)', () => {
  let m: MigratedDatabase;
  let db: DataSource;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_promotion');
    // The pool as the app builds it: with the timeouts, so with the read timeout too.
    db = new DataSource(dataSourceOptions(m.url, 2, { connectMs: 5000, queryMs: 5000 }));
    await db.initialize();
  });
  afterAll(async () => {
    await db.destroy();
    await m.drop();
  });

  it('leaves the rows of a read in the young generation', async () => {
    // Warm-up: the statement's code optimized, the pool's connection open.
    await promotedPerRun(() => db.query(PAGE_SQL), 300);
    const { bytes, scavenges } = await promotedPerRun(() => db.query(PAGE_SQL), 3000);
    // Enough collections for the figure to mean something (each page allocates ~100 KB).
    expect(scavenges).toBeGreaterThanOrEqual(3);
    // The rows of one page are ~30 KB once promoted; what remains is bookkeeping.
    expect(bytes).toBeLessThan(10_000);
  });

  it('still answers statements, the timeout armed and disarmed each time', async () => {
    const rows: { id: number }[] = await db.query(PAGE_SQL);
    expect(rows).toHaveLength(200);
    expect(rows[199].id).toBe(200);
    await expect(db.query('SELECT 1/0')).rejects.toThrow('division by zero');
    await expect(db.query('SELECT $1::int + 1 AS n', [41])).resolves.toEqual([{ n: 42 }]);
    // node-postgres' pool.query hands the client a callback: answered through it as well.
    await expect(poolOf(db)!.query('SELECT 2 AS n')).resolves.toMatchObject({ rows: [{ n: 2 }] });
  });
});
