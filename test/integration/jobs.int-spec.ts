import type { AppConfig } from '../../src/config/app.config';
import { JobsService } from '../../src/jobs/jobs.service';
import { migratedDatabase, MigratedDatabase } from '../support/integration-database.fixture';

/** Resolves once `done()` is true, polling every 20 ms, or rejects after `ms`. */
async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The durable job queue (pg-boss) on a real PostgreSQL, as two instances of the service run it. */
describe('JobsService (integration)', () => {
  let m: MigratedDatabase;
  const instances: JobsService[] = [];

  const instance = (jobsListenNotify = true): JobsService => {
    const jobs = new JobsService({
      databaseUrl: m.url,
      jobsPoolSize: 2,
      jobsShutdownTimeoutMs: 2000,
      jobsListenNotify,
    } as AppConfig);
    instances.push(jobs);
    return jobs;
  };

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_jobs');
  });
  afterEach(async () => {
    await Promise.all(instances.splice(0).map((jobs) => jobs.onApplicationShutdown()));
  });
  afterAll(() => m.drop());

  it('runs each job once across two instances, and refuses unknown or late queues', async () => {
    const seen: { by: string; n: number }[] = [];
    const [a, b] = [instance(), instance()];
    for (const [name, jobs] of [
      ['a', a],
      ['b', b],
    ] as const) {
      jobs.register<{ n: number }>(
        'test-once',
        (batch) => {
          for (const job of batch) seen.push({ by: name, n: job.data.n });
          return Promise.resolve();
        },
        { work: { pollingIntervalSeconds: 0.5, batchSize: 2 } },
      );
    }
    await Promise.all([a.onApplicationBootstrap(), b.onApplicationBootstrap()]);
    const sent = await Promise.all(Array.from({ length: 40 }, (_, n) => a.send('test-once', { n })));
    expect(new Set(sent).size).toBe(40);
    await until(() => seen.length >= 40);
    // A moment more: a second run of any job would show here.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(seen.map((s) => s.n).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    await expect(a.send('nowhere', {})).rejects.toThrow(/Unknown queue/);
    expect(() => a.register('late', () => Promise.resolve())).toThrow(/after the job queue started/);
  });

  it('keeps a job queued while no instance runs, and retries a failed one', async () => {
    // An instance whose worker polls rarely: the job it sends waits in the queue when it stops.
    const sender = instance();
    sender.register('test-durable', () => Promise.resolve(), { work: { pollingIntervalSeconds: 60 } });
    sender.register('test-retry', () => Promise.resolve(), { work: { pollingIntervalSeconds: 60 } });
    await sender.send('test-durable', { n: 1 });
    await sender.onApplicationShutdown();
    instances.splice(0);

    // A new instance (a restart) finds the job and runs it; a failing job is retried.
    const ran: number[] = [];
    let attempts = 0;
    const restarted = instance();
    restarted.register<{ n: number }>(
      'test-durable',
      (batch) => {
        for (const job of batch) ran.push(job.data.n);
        return Promise.resolve();
      },
      { work: { pollingIntervalSeconds: 0.5 } },
    );
    restarted.register(
      'test-retry',
      () => {
        attempts += 1;
        return attempts === 1 ? Promise.reject(new Error('push service down')) : Promise.resolve();
      },
      { queue: { retryLimit: 2, retryDelay: 1 }, work: { pollingIntervalSeconds: 0.5 } },
    );
    await restarted.onApplicationBootstrap();
    await until(() => ran.length === 1);
    expect(ran).toEqual([1]);
    await restarted.send('test-retry', {});
    await until(() => attempts === 2);
    expect(await restarted.depth('test-retry')).toBe(0);
  });

  it('inserts many jobs in one call, skipping ids the queue already has', async () => {
    const ran: number[] = [];
    const jobs = instance();
    jobs.register<{ n: number }>(
      'test-insert',
      (batch) => {
        for (const job of batch) ran.push(job.data.n);
        return Promise.resolve();
      },
      { work: { pollingIntervalSeconds: 0.5, batchSize: 10 } },
    );
    await jobs.onApplicationBootstrap();
    const ids = ['5b0c3f6e-0000-4000-8000-000000000001', '5b0c3f6e-0000-4000-8000-000000000002'];
    await jobs.insert('test-insert', [
      { id: ids[0], data: { n: 1 } },
      { id: ids[1], data: { n: 2 } },
    ]);
    // A producer retried: the same ids again, and one new.
    await jobs.insert('test-insert', [
      { id: ids[0], data: { n: 1 } },
      { id: ids[1], data: { n: 2 } },
      { id: '5b0c3f6e-0000-4000-8000-000000000003', data: { n: 3 } },
    ]);
    await jobs.insert('test-insert', []);
    await until(() => ran.length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(ran.sort()).toEqual([1, 2, 3]);
  });

  it.each([
    ['send', (jobs: JobsService, n: number) => jobs.send('test-notify-send', { n })],
    ['insert', (jobs: JobsService, n: number) => jobs.insert('test-notify-insert', [{ data: { n } }])],
  ])(
    "wakes a notify queue's workers when a job is queued (%s), though they poll once a minute",
    async (how, queue) => {
      const ran: number[] = [];
      const [a, b] = [instance(), instance()];
      for (const jobs of [a, b]) {
        jobs.register<{ n: number }>(
          `test-notify-${how}`,
          (batch) => {
            for (const job of batch) ran.push(job.data.n);
            return Promise.resolve();
          },
          { queue: { notify: true }, work: { pollingIntervalSeconds: 60, notifyPollingIntervalSeconds: 60 } },
        );
      }
      await Promise.all([a.onApplicationBootstrap(), b.onApplicationBootstrap()]);
      // Every worker's first poll, at its start, found nothing; the next is a minute away.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const queuedAt = Date.now();
      await queue(b, 1);
      await until(() => ran.length === 1, 5000);
      expect(Date.now() - queuedAt).toBeLessThan(5000);
      expect(ran).toEqual([1]);
    },
  );

  it('polls as before without LISTEN (JOBS_LISTEN_NOTIFY=false)', async () => {
    const ran: number[] = [];
    const jobs = instance(false);
    jobs.register<{ n: number }>(
      'test-notify',
      (batch) => {
        for (const job of batch) ran.push(job.data.n);
        return Promise.resolve();
      },
      { queue: { notify: true }, work: { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 60 } },
    );
    await jobs.onApplicationBootstrap();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await jobs.send('test-notify', { n: 2 });
    await until(() => ran.length === 1, 5000);
    expect(ran).toEqual([2]);
  });

  it('applies the options a queue is registered with to a queue that exists', async () => {
    const first = instance();
    first.register('test-options', () => Promise.resolve(), { queue: { retryLimit: 0 } });
    await first.onApplicationBootstrap();
    await first.onApplicationShutdown();
    instances.splice(0);
    const options = async () => {
      const rows: { retry_limit: number; notify: boolean }[] = await m.db.query(
        'SELECT retry_limit, notify FROM pgboss.queue WHERE name = $1',
        ['test-options'],
      );
      return rows[0];
    };
    expect(await options()).toEqual({ retry_limit: 0, notify: false });

    const next = instance();
    next.register('test-options', () => Promise.resolve(), { queue: { retryLimit: 4, notify: true } });
    await next.onApplicationBootstrap();
    expect(await options()).toEqual({ retry_limit: 4, notify: true });
  });
});
