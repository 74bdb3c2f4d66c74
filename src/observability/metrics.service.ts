import { Injectable } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { Unauthorized } from '../common/errors/domain.errors';
import { bearerToken } from '../common/http/bearer-token.util';
import { AppConfig } from '../config/app.config';
import { poolOf } from '../database/pg-pool.driver';

export type SocketEventOutcome = 'ok' | 'error';

/** What became of a Web Push: accepted by the push service, failed (retried), or gone (404/410). */
const PUSH_OUTCOMES = ['sent', 'failed', 'expired'] as const;
export type PushOutcome = (typeof PUSH_OUTCOMES)[number];

/** A durable job's wait past its due time: 50 ms to a minute. */
const JOB_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

/** Which socket limit refused an event or a connection, or dropped a socket. */
const SOCKET_LIMITS = [
  'event_budget',
  'events_in_flight',
  'handshakes_per_address',
  'handshakes_per_user',
  'sockets_per_user',
  'unsent_output',
] as const;
export type SocketLimit = (typeof SOCKET_LIMITS)[number];

const EMAIL_KINDS = ['digest'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

/** Why a digest job sent nothing. */
const DIGEST_SKIPS = ['online', 'not_due'] as const;
export type DigestSkip = (typeof DIGEST_SKIPS)[number];

/** Latencies of requests and socket events: 5 ms to 10 s. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Commit → emit is in-process work plus a Redis hop: 0.5 ms to 2.5 s. */
const DELIVERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The service's measurements. The realtime and messaging code report through these methods;
 * how they are exported (Prometheus at /metrics) is this module's business. Each application
 * has a registry of its own, so several apps in one process (the tests) do not collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status, with their duration',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  /** Plain counts, read at scrape time: nothing per request beyond an addition. */
  private httpRequestsInFlight = 0;

  private readonly httpInFlight: Gauge = new Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests being served',
    registers: [this.registry],
    collect: () => this.httpInFlight.set(this.httpRequestsInFlight),
  });

  private readonly socketsConnected = new Gauge({
    name: 'chat_sockets_connected',
    help: 'Socket.IO connections open on this instance',
    registers: [this.registry],
  });

  private readonly socketEvents = new Histogram({
    name: 'chat_socket_event_duration_seconds',
    help: 'Client socket events handled, by event name and outcome (ok or error), with their duration',
    labelNames: ['event', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  private readonly socketLimits = new Counter({
    name: 'chat_socket_limited_total',
    help: 'Socket events and connections refused, and sockets dropped, by the limit that did it',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  private readonly messagesPersisted = new Counter({
    name: 'chat_messages_persisted_total',
    help: 'Messages committed to the database (REST and socket alike)',
    registers: [this.registry],
  });

  private readonly commitToEmitDelay = new Histogram({
    name: 'chat_commit_to_emit_seconds',
    help: 'Seconds from a change being committed to its socket event being emitted',
    buckets: DELIVERY_BUCKETS,
    registers: [this.registry],
  });

  private readonly emailsSent = new Counter({
    name: 'chat_emails_sent_total',
    help: 'E-mails the SMTP relay accepted, by kind (digest)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly emailsFailed = new Counter({
    name: 'chat_emails_failed_total',
    help: 'E-mails the SMTP relay refused or could not be reached for, by kind (digest); each is retried',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly digestsSkipped = new Counter({
    name: 'chat_email_digests_skipped_total',
    help: 'Digest jobs that sent nothing, by reason (online: a socket connected; not_due: read meanwhile, sent already, or turned off)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly pushes = new Counter({
    name: 'chat_pushes_total',
    help: 'Web Push requests by outcome: sent (accepted by the push service), failed (retried with backoff), expired (404/410: the subscription was deleted)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly jobLatency = new Histogram({
    name: 'chat_job_latency_seconds',
    help: 'Seconds from when a durable job was due to when a worker started it, by queue',
    labelNames: ['queue'] as const,
    buckets: JOB_LATENCY_BUCKETS,
    registers: [this.registry],
  });

  /** How to read each queue's depth, at scrape time. */
  private readonly queueDepths = new Map<string, () => Promise<number>>();

  private readonly jobsQueued: Gauge = new Gauge({
    name: 'chat_jobs_queued',
    help: 'Jobs waiting in each durable queue (pg-boss), across all instances',
    labelNames: ['queue'] as const,
    registers: [this.registry],
    collect: async () => {
      for (const [queue, depth] of this.queueDepths) {
        // A scrape is answered without the gauge rather than failed when the database is away.
        const value = await depth().catch(() => undefined);
        if (value !== undefined) this.jobsQueued.set({ queue }, value);
      }
    },
  });

  private readonly httpDurationSeries = new Map<string, Histogram.Internal<'method' | 'route' | 'status'>>();

  constructor(
    @InjectDataSource() db: DataSource,
    private readonly config: AppConfig,
  ) {
    // The event loop's delay sampled every 100 ms rather than prom-client's 10: each sample wakes
    // an idle process (100 wakeups a second were ~1.5 ms of CPU a second); a stall is still seen.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
    // Every limit exported from the start at 0, so that rate() sees its first refusal.
    for (const limit of SOCKET_LIMITS) this.socketLimits.inc({ limit }, 0);
    for (const outcome of PUSH_OUTCOMES) this.pushes.inc({ outcome }, 0);
    for (const kind of EMAIL_KINDS) {
      this.emailsSent.inc({ kind }, 0);
      this.emailsFailed.inc({ kind }, 0);
    }
    for (const reason of DIGEST_SKIPS) this.digestsSkipped.inc({ reason }, 0);
    this.registerPoolGauges(db);
  }

  /** The Prometheus text; with METRICS_TOKEN set, only for `Authorization: Bearer <that token>`. */
  async scrape(authorization: string | undefined): Promise<string> {
    const expected = this.config.metricsToken;
    if (expected !== undefined) {
      const given = Buffer.from(bearerToken(authorization) ?? '');
      const wanted = Buffer.from(expected);
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
        throw new Unauthorized('GET /metrics needs the metrics token');
      }
    }
    return this.registry.metrics();
  }

  httpRequestStarted(): void {
    this.httpRequestsInFlight += 1;
  }

  /** Ends what {@link httpRequestStarted} began (exactly once per request). */
  httpRequestFinished(method: string, route: string, status: number, seconds: number): void {
    this.httpRequestsInFlight -= 1;
    this.durationOf(method, route, status).observe(seconds);
  }

  socketConnected(): void {
    this.socketsConnected.inc();
  }

  socketDisconnected(): void {
    this.socketsConnected.dec();
  }

  socketEvent(event: string, outcome: SocketEventOutcome, seconds: number): void {
    this.socketEvents.observe({ event, outcome }, seconds);
  }

  socketLimited(limit: SocketLimit): void {
    this.socketLimits.inc({ limit });
  }

  messagePersisted(): void {
    this.messagesPersisted.inc();
  }

  pushOutcome(outcome: PushOutcome): void {
    this.pushes.inc({ outcome });
  }

  /** A worker started a job of `queue`, `seconds` after it was due. */
  jobStarted(queue: string, seconds: number): void {
    this.jobLatency.observe({ queue }, Math.max(0, seconds));
  }

  /** Exports the depth of `queue` (chat_jobs_queued), read by `depth` at each scrape. */
  watchQueue(queue: string, depth: () => Promise<number>): void {
    this.queueDepths.set(queue, depth);
  }

  /** Seconds from a change's commit to its socket emit. */
  commitToEmit(seconds: number): void {
    this.commitToEmitDelay.observe(seconds);
  }

  emailSent(kind: EmailKind): void {
    this.emailsSent.inc({ kind });
  }

  emailFailed(kind: EmailKind): void {
    this.emailsFailed.inc({ kind });
  }

  digestSkipped(reason: DigestSkip): void {
    this.digestsSkipped.inc({ reason });
  }

  /** The histogram child of one method, route pattern and status, kept (their number is bounded). */
  private durationOf(
    method: string,
    route: string,
    status: number,
  ): Histogram.Internal<'method' | 'route' | 'status'> {
    const key = `${method} ${status} ${route}`;
    let series = this.httpDurationSeries.get(key);
    if (!series) {
      series = this.httpDuration.labels({ method, route, status: String(status) });
      this.httpDurationSeries.set(key, series);
    }
    return series;
  }

  /** Read from the DataSource's pg pool at scrape time: nothing to keep in step. */
  private registerPoolGauges(db: DataSource): void {
    const pool = () => poolOf(db);
    new Gauge({
      name: 'chat_db_pool_connections',
      help: 'Connections of the database pool, by state (in_use, idle)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const current = pool();
        if (!current) return;
        this.set({ state: 'in_use' }, current.totalCount - current.idleCount);
        this.set({ state: 'idle' }, current.idleCount);
      },
    });
    new Gauge({
      name: 'chat_db_pool_waiting_requests',
      help: 'Queries waiting for a free connection of the database pool',
      registers: [this.registry],
      collect() {
        this.set(pool()?.waitingCount ?? 0);
      },
    });
    new Gauge({
      name: 'chat_db_pool_max_connections',
      help: 'The size limit of the database pool (DATABASE_POOL_SIZE)',
      registers: [this.registry],
      collect() {
        this.set(pool()?.options.max ?? 0);
      },
    });
  }
}
