import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Client } from 'pg';
import { SERVICE_NODE_FLAGS } from '../../src/node-flags';
import { ServerProcess, startServer } from './processes';
import type { Row } from './report';

export const SERVICE_APPLICATION = 'rescue-chat';
export const BARE_APPLICATION = 'bench-bare';

export interface BenchOptions {
  quick: boolean;
  repeats: number;
  /** The fan-out chat sizes to measure. */
  sizes: number[];
  /** Write V8 CPU profiles of every server into bench/results/profiles. */
  profile: boolean;
  serverUrl: string;
  /**
   * fanout: skip the knee searches and compare the servers at this rate only (msg/s), as the
   * half-knee step does: an A/B of two builds at one rate, whatever the knees of the day.
   */
  fanoutRate?: number;
}

export type Kind = 'bare' | 'service';

/**
 * Everything a scenario needs: the two servers, their two databases (the service's, migrated by
 * the service; the bare baseline's, with its own minimal schema), the options and where to report.
 */
export class BenchContext {
  readonly secret = randomBytes(32).toString('hex');
  readonly runTag = randomBytes(3).toString('hex');
  readonly rows: Row[] = [];
  readonly notes: string[] = [];
  /** Raw step results, kept in results.json. */
  readonly details: Record<string, unknown[]> = {};
  /** Figures one scenario leaves for another (the fan-out knee for multinode). */
  readonly shared = new Map<string, number>();
  private readonly started: ServerProcess[] = [];

  service!: ServerProcess;
  bare!: ServerProcess;

  constructor(
    readonly options: BenchOptions,
    readonly databaseName: string,
    readonly databaseUrl: string,
    readonly setup: Client,
    readonly resultsDir: string,
    readonly bareDatabaseName: string,
    readonly bareDatabaseUrl: string,
    /** A plain connection to the bare baseline's database. */
    readonly bareSetup: Client,
  ) {}

  /** The setup connection to the database a server runs on. */
  db(kind: Kind): Client {
    return kind === 'bare' ? this.bareSetup : this.setup;
  }

  databaseOf(kind: Kind): string {
    return kind === 'bare' ? this.bareDatabaseName : this.databaseName;
  }

  application(kind: Kind): string {
    return kind === 'bare' ? BARE_APPLICATION : SERVICE_APPLICATION;
  }

  /** Runs the same data load on both databases, one after the other. */
  async both(load: (db: Client, kind: Kind) => Promise<unknown>): Promise<void> {
    await load(this.setup, 'service');
    await load(this.bareSetup, 'bare');
  }

  get logDir(): string {
    return join(this.resultsDir, 'logs');
  }

  log(message: string): void {
    process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
  }

  /** The first repeat runs bare then service, the next the other way round, and so on. */
  order(repeat: number): Kind[] {
    return repeat % 2 === 0 ? ['bare', 'service'] : ['service', 'bare'];
  }

  detail(key: string, value: unknown): void {
    (this.details[key] ??= []).push(value);
  }

  server(kind: Kind): ServerProcess {
    return kind === 'bare' ? this.bare : this.service;
  }

  /** An instance of the service as it runs in production, on the bench database. */
  startService(name: string, env: Record<string, string> = {}): Promise<ServerProcess> {
    return this.start(name, 'dist/src/main.js', '/health/ready', SERVICE_NODE_FLAGS, {
      NODE_ENV: 'production',
      // Production requires a VAPID key pair (Web Push); this one is the bench's own.
      VAPID_PUBLIC_KEY:
        'BH7dlt3bt--ExpNVvlDZmmnsC842en6dajO9sim225ZKFCUWEArpy7jv-o986cPSB0ksmZNvjVJ4OMvYJzGKTQY',
      VAPID_PRIVATE_KEY: 'Y0g4xwcjVQrRoYElR4Otzw3PnNjWIEipsQcl7AJxQ44',
      VAPID_SUBJECT: 'mailto:bench@rescue-chat.invalid',
      JWT_ACCESS_TTL_SECONDS: '86400',
      JWT_REFRESH_TTL_SECONDS: '172800',
      ...SERVICE_LIMITS,
      ...env,
    });
  }

  /** The bare baseline, on its own database. */
  startBare(name: string, env: Record<string, string> = {}): Promise<ServerProcess> {
    return this.start(name, 'dist/bench/bare/server.js', '/ready', [], {
      DATABASE_URL: this.bareDatabaseUrl,
      ...env,
    });
  }

  private async start(
    name: string,
    script: string,
    readyPath: string,
    nodeFlags: readonly string[],
    env: Record<string, string>,
  ): Promise<ServerProcess> {
    const server = await startServer({
      name,
      script,
      readyPath,
      nodeFlags,
      logDir: this.logDir,
      cpuProfileDir: this.options.profile ? join(this.resultsDir, 'profiles') : undefined,
      env: { DATABASE_URL: this.databaseUrl, DATABASE_POOL_SIZE: '10', JWT_SECRET: this.secret, ...env },
    });
    this.started.push(server);
    return server;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.started.map((server) => server.stop()));
  }
}

/**
 * HTTP rate limits and socket connection attempts (per client address, and every bench request
 * and socket comes from 127.0.0.1) high enough that the bench measures the work, not the limiter;
 * the limiters still run on every request and handshake. The per-user socket limits stay as they
 * are: the fan-out load keeps each user under them.
 */
export const SERVICE_LIMITS: Record<string, string> = {
  RATE_LIMIT_MAX: '10000000',
  AUTH_RATE_LIMIT_MAX: '100000',
  AUTH_USERNAME_RATE_LIMIT_MAX: '100000',
  SOCKET_HANDSHAKES_PER_ADDRESS: '10000000',
  // The bench's owners create many chats and fill them at once.
  CHAT_CREATE_RATE_LIMIT: '10000000,1',
  MEMBER_ADD_RATE_LIMIT: '10000000,1',
};
