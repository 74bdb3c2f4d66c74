import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PgBoss, type Job, type JobInsert, type Queue, type SendOptions, type WorkOptions } from 'pg-boss';
import { AppConfig } from '../config/app.config';

/** What a worker does with a batch of jobs of its queue; a throw fails (and retries) them all. */
export type JobHandler<T> = (jobs: Job<T>[]) => Promise<void>;

interface Registration {
  queue: Omit<Queue, 'name'>;
  work: WorkOptions;
  handler: JobHandler<never>;
}

/**
 * Durable jobs on the service's own PostgreSQL (pg-boss, in its schema `pgboss`, installed and
 * migrated by pg-boss itself on start): a job sent is committed before `send` answers, survives
 * restarts, and is fetched by exactly one worker across all instances (SKIP LOCKED); a failed job
 * is retried with the queue's backoff. The notification work (pushes, digests) runs here so that
 * it never delays a message's ack or broadcast.
 *
 * Features declare their queues and workers with `register` while the application is being
 * built (a provider's constructor or onModuleInit); pg-boss starts on bootstrap, creates the
 * queues, and starts the workers. `send` waits for the start. Shutdown stops fetching new jobs
 * and lets the ones in hand finish (within JOBS_SHUTDOWN_TIMEOUT_MS); a job cut off by a crash
 * is retried after its queue's expiry. Workers poll their queue (pollingIntervalSeconds); a queue
 * registered with `notify` is also woken by PostgreSQL's NOTIFY when a job due now is queued
 * (JOBS_LISTEN_NOTIFY), and while that works its workers poll only every
 * notifyPollingIntervalSeconds, for jobs that come due later (retries, startAfter).
 */
@Injectable()
export class JobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('JobsService');
  private readonly boss: PgBoss;
  private readonly registrations = new Map<string, Registration>();
  private started?: Promise<void>;

  constructor(private readonly config: AppConfig) {
    this.boss = new PgBoss({
      connectionString: config.databaseUrl,
      schema: 'pgboss',
      max: config.jobsPoolSize,
      application_name: 'rescue-chat-jobs',
      // One more connection, listening: a job queued on a queue with `notify` wakes its workers
      // at once (any instance's), and their polls become a slow backstop. Where it cannot be held
      // (JOBS_LISTEN_NOTIFY=false, PgBouncer in transaction mode) the workers poll as before.
      useListenNotify: config.jobsListenNotify,
    });
    // pg-boss reports its own failures (a lost connection, a maintenance error) here and retries.
    this.boss.on('error', (error: Error) => this.logger.warn(`Job queue: ${error.message}`));
    // And what it found amiss but works around: a LISTEN it could not hold (polling then), a slow
    // query, a backlog, clock skew.
    this.boss.on('warning', ({ message }) => this.logger.warn(`Job queue: ${message}`));
  }

  /** Declares queue `name` and this instance's worker for it (before bootstrap). */
  register<T>(
    name: string,
    handler: JobHandler<T>,
    options: { queue?: Omit<Queue, 'name'>; work?: WorkOptions } = {},
  ): void {
    if (this.started) throw new Error(`Queue ${name} registered after the job queue started`);
    if (this.registrations.has(name)) throw new Error(`Queue ${name} registered twice`);
    this.registrations.set(name, {
      queue: options.queue ?? {},
      work: options.work ?? {},
      handler: handler,
    });
  }

  /** Starts the queue when a feature registered a worker; otherwise on the first `send`. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.registrations.size > 0) await this.start();
  }

  /** Starts pg-boss once (installing its schema the first time), the queues and the workers. */
  private start(): Promise<void> {
    this.started ??= (async () => {
      await this.boss.start();
      for (const [name, { queue, work, handler }] of this.registrations) {
        await this.boss.createQueue(name, queue);
        // createQueue leaves a queue that exists as it was created: the options this code asks
        // for (retries, expiry, notify) are applied to it too; its policy cannot change.
        const options = Object.fromEntries(Object.entries(queue).filter(([key]) => key !== 'policy'));
        if (Object.keys(options).length > 0) await this.boss.updateQueue(name, options);
        await this.boss.work(name, work, handler as JobHandler<unknown>);
      }
    })();
    return this.started;
  }

  /**
   * Queues a job (committed when this resolves); null when a singleton key or policy made it a
   * duplicate of a job already queued.
   */
  async send<T extends object>(name: string, data: T, options: SendOptions = {}): Promise<string | null> {
    if (!this.registrations.has(name)) throw new Error(`Unknown queue ${name}`);
    await this.start();
    return this.boss.send(name, data, options);
  }

  /**
   * Queues many jobs of `name` in one statement (committed when this resolves); a job whose `id`
   * the queue already has is skipped, which makes a retried producer idempotent.
   */
  async insert<T extends object>(name: string, jobs: JobInsert<T>[]): Promise<void> {
    if (!this.registrations.has(name)) throw new Error(`Unknown queue ${name}`);
    if (jobs.length === 0) return;
    await this.start();
    await this.boss.insert(name, jobs);
  }

  /** Jobs of `name` waiting to run (the queue depth in /metrics). */
  async depth(name: string): Promise<number> {
    await this.start();
    const queue = await this.boss.getQueue(name);
    return queue?.queuedCount ?? 0;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    await this.started.catch(() => undefined);
    await this.boss.stop({ graceful: true, timeout: this.config.jobsShutdownTimeoutMs, close: true });
  }
}
