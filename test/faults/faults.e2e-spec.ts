import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PgCluster } from '../support/pg-cluster.server';
import { PrivateRedis, startPrivateRedis } from '../support/redis.server';
import { buildService, removeBuild, ServiceProcess, startService } from '../support/service-process.fixture';
import type { ClientSocket } from '../support/sockets.helpers';
import { FaultFigures, faultLine, figuresOf, writeReport } from './fault-figures.report';
import { connectUser, LoadUser, retryFailed, SendLoad } from './send-load.generator';

/**
 * The real service process against a PostgreSQL cluster and a redis-server of this suite's own,
 * under a steady socket send load, through three faults in turn: Redis killed and restarted,
 * PostgreSQL stopped (immediate) and restarted, PostgreSQL frozen (SIGSTOP) and thawed.
 */

const ROOT = join(__dirname, '../..');
const USERS = 6;
const CHAT_TYPES = ['keeper', 'seeker', 'vet'];
/** Per user: 6 users at one send per 250 ms make 24 msg/s, under the per-user send budget. */
const SEND_INTERVAL_MS = 250;
const LOAD_BEFORE_FAULT_MS = 3000;
const LOAD_AFTER_FAULT_MS = 6000;
/** Sends must succeed again this soon after the fault ends (issue 10). */
const RECOVERY_BOUND_MS = 5000;
/**
 * Every send is answered, by an ack or an error, within this: the service's bound on a
 * database operation (at most 10 s by default, issue 10) and two seconds for a loaded machine.
 */
const ANSWER_BOUND_MS = 12_000;
const RETRY_ATTEMPTS = 10;
const RETRY_PHASE_MS = 45_000;
/** 12 s: long enough for ioredis to give up on queued commands (MaxRetriesPerRequestError). */
const REDIS_DOWN_MS = 12_000;
const POSTGRES_DOWN_MS = 8000;
/** Longer than the answer bound, so that a send waiting for the thaw shows. */
const POSTGRES_FROZEN_MS = 14_000;
const FAULT_TEST_TIMEOUT_MS = 180_000;

const API = '/api/v1';
const REDIS = spawnSync('redis-server', ['--version']).status === 0;
const CI = ['true', '1'].includes(process.env.CI ?? '');
if (!REDIS && !CI) {
  process.stderr.write(
    '\n*** WARNING: redis-server is not on PATH: the Redis fault is SKIPPED (with CI=true it fails) ***\n\n',
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post<T>(origin: string, path: string, body: unknown, token?: string): Promise<T> {
  const res = await fetch(`${origin}${API}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

function processState(service: ServiceProcess): string {
  const { exitCode, signalCode } = service.child;
  if (exitCode === null && signalCode === null) return 'alive';
  // Why: the error it died of (stderr), else its last error log line, else its last line.
  const at = service.stderr.findIndex((line) => /^(Fatal: |\w*Error\b)/.test(line));
  const thrown =
    at < 0
      ? undefined
      : service.stderr
          .slice(at, at + 2)
          .join(' ')
          .replace(/\s+/g, ' ');
  const errorLog = service.stdout.filter((line) => /"level":"(error|fatal)"/.test(line)).at(-1);
  const why = thrown ?? errorLog ?? [...service.stderr, ...service.stdout].filter(Boolean).at(-1) ?? '';
  return `exited (${signalCode ?? `code ${exitCode}`}): ${why.slice(0, 300)}`;
}

/** Processes whose command line names `needle` (our own folder or port): none may outlive the suite. */
function processesNaming(needle: string): string[] {
  const { stdout } = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return stdout.split('\n').filter((line) => line.includes(needle) && !line.includes(' ps -eo'));
}

interface Fault {
  name: string;
  durationMs: number;
  begin: () => Promise<void>;
  /** Restores the dependency; resolves once it is back. */
  end: () => Promise<void>;
}

describe('fault injection: the real process on its own PostgreSQL and Redis (e2e)', () => {
  let build: string | undefined;
  let cluster: PgCluster | undefined;
  let redis: PrivateRedis | undefined;
  let databaseUrl: string;
  let service: ServiceProcess | undefined;
  const users: LoadUser[] = [];
  const chatIds: number[] = [];
  const sockets: ClientSocket[] = [];
  const results: FaultFigures[] = [];
  let setting = '';

  // startService spreads `env` over its defaults: DATABASE_URL here replaces the run's test database.
  const serviceEnv = (): Record<string, string> => ({
    DATABASE_URL: databaseUrl,
    ...(redis ? { REDIS_URL: redis.url } : {}),
    MIGRATIONS_RUN: 'true',
    // At least info: startService waits for the "Listening on" line.
    LOG_LEVEL: 'info',
  });

  /** The service from before, or a new one if the previous fault ended it. */
  async function liveService(): Promise<ServiceProcess> {
    if (service && processState(service) === 'alive') return service;
    service = await startService(build!, serviceEnv());
    return service;
  }

  beforeAll(async () => {
    const started = performance.now();
    // Both first, then any error: a cluster created beside a failed build is still destroyed.
    const [built, created] = await Promise.allSettled([buildService(), PgCluster.create()]);
    if (built.status === 'fulfilled') build = built.value;
    if (created.status === 'fulfilled') cluster = created.value;
    if (built.status === 'rejected') throw built.reason;
    if (created.status === 'rejected') throw created.reason;
    if (REDIS) redis = await startPrivateRedis();
    databaseUrl = await cluster!.createDatabase('chat');
    const { origin } = await liveService();
    for (let index = 0; index < USERS; index += 1) {
      const body = await post<{ user: { id: number }; access_token: string }>(origin, '/auth/register', {
        username: `fault_${index}_${Date.now().toString(36)}`,
        password: 'correct horse battery',
      });
      users.push({ id: body.user.id, token: body.access_token });
    }
    // Every user in every chat: one chat of each type, as one set of members makes one chat per type.
    for (const [index, chatType] of CHAT_TYPES.entries()) {
      const owner = users[index];
      const others = users.filter((user) => user !== owner).map((user) => user.id);
      const chat = await post<{ id: number }>(
        origin,
        '/chats',
        { member_ids: others, chat_type: chatType, title: `fault chat ${index}` },
        owner.token,
      );
      chatIds.push(chat.id);
    }
    setting =
      `${USERS} users, ${CHAT_TYPES.length} chats, ${(USERS * 1000) / SEND_INTERVAL_MS} msg/s over sockets; ` +
      `PostgreSQL from ${PgCluster.binaries()}; Node ${process.version}; ` +
      `set-up ${((performance.now() - started) / 1000).toFixed(1)} s.`;
  }, 300_000);

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.disconnect();
  });

  afterAll(async () => {
    for (const socket of sockets.splice(0)) socket.disconnect();
    const needles: string[] = [];
    if (service && processState(service) === 'alive') {
      const child = service.child;
      child.kill('SIGTERM');
      const slow = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await service.exited;
      clearTimeout(slow);
    }
    if (build) {
      // A service whose start never resolved has no handle here; it runs this suite's own build.
      const entry = join(build, 'src/main.js');
      for (const line of processesNaming(entry)) process.kill(Number(line.trim().split(' ')[0]), 'SIGKILL');
      needles.push(entry);
    }
    if (redis) {
      needles.push(new URL(redis.url).host);
      await redis.kill();
    }
    const survivors = (await cluster?.destroy()) ?? [];
    if (cluster) needles.push(cluster.folder);
    await removeBuild(build);
    if (results.length) {
      const path = await writeReport(ROOT, results, setting);
      process.stdout.write(`faults: table written to ${path}\n`);
    }
    expect({ survivors, stray: needles.flatMap(processesNaming) }).toEqual({ survivors: [], stray: [] });
  }, 60_000);

  /**
   * Runs the load, injects the fault after LOAD_BEFORE_FAULT_MS, keeps the load going for
   * LOAD_AFTER_FAULT_MS after the dependency is back, lets every send settle, retries the failed
   * ones, then counts against the database. Prints the figures and checks them.
   */
  async function underLoad(fault: Fault): Promise<void> {
    const current = await liveService();
    for (const user of users) sockets.push(await connectUser(current.origin, user));
    const tag = fault.name.replace(/\W+/g, '-');
    const load = new SendLoad(sockets, chatIds, `${tag}-${Date.now().toString(36)}`, SEND_INTERVAL_MS);
    load.start();
    let endedAt: number;
    try {
      await sleep(LOAD_BEFORE_FAULT_MS);
      if (!load.records.some((r) => r.answer?.ok)) {
        throw new Error(`no send was acknowledged before the fault "${fault.name}"`);
      }
      try {
        await fault.begin();
        await sleep(fault.durationMs);
      } finally {
        await fault.end();
        endedAt = performance.now();
      }
      await sleep(LOAD_AFTER_FAULT_MS);
    } finally {
      load.stop();
    }
    await load.settled();
    const firstAck = load.firstAckOfSendStartedAfter(endedAt);
    const recoveryMs = firstAck === undefined ? null : firstAck - endedAt;
    if (processState(current) === 'alive') {
      await retryFailed(sockets, load.records, RETRY_ATTEMPTS, performance.now() + RETRY_PHASE_MS);
    }
    const figures = await figuresOf(
      databaseUrl,
      fault.name,
      fault.durationMs,
      load.records,
      recoveryMs,
      processState(current),
    );
    results.push(figures);
    process.stdout.write(`faults: ${faultLine(figures)}\n`);

    const unanswered = load.records.filter((r) => r.answer?.ok === false && r.answer.code === 'timeout');
    expect({
      process: figures.process,
      lost: figures.lost,
      duplicated: figures.duplicated,
      seqGaps: figures.seqGaps,
      retriesNotLanded: figures.retried - figures.retriesLanded,
      unanswered: unanswered.length,
      everyAnswerWithinBound: figures.maxAckMs <= ANSWER_BOUND_MS,
      unexpectedRefusals: figures.unexpectedRefusals,
      recoveredWithinBound: figures.recoveryMs !== null && figures.recoveryMs <= RECOVERY_BOUND_MS,
    }).toEqual({
      process: 'alive',
      lost: 0,
      duplicated: 0,
      seqGaps: 0,
      retriesNotLanded: 0,
      unanswered: 0,
      everyAnswerWithinBound: true,
      unexpectedRefusals: 0,
      recoveredWithinBound: true,
    });
  }

  (REDIS || CI ? it : it.skip)(
    'Redis killed (SIGKILL) and restarted on its port: nothing lost, sends go on',
    async () => {
      if (!redis) throw new Error('redis-server is not on PATH: install it (the Redis fault cannot run)');
      const server = redis;
      await underLoad({
        name: 'Redis killed',
        durationMs: REDIS_DOWN_MS,
        begin: () => server.kill(),
        end: () => server.start(),
      });
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'PostgreSQL stopped (immediate) and restarted: nothing lost, sends recover',
    async () => {
      const db = cluster!;
      await underLoad({
        name: 'PostgreSQL stopped',
        durationMs: POSTGRES_DOWN_MS,
        begin: () => db.stopImmediately(),
        end: () => db.start(),
      });
    },
    FAULT_TEST_TIMEOUT_MS,
  );

  it(
    'PostgreSQL frozen (SIGSTOP) and thawed: sends fail in bounded time, nothing lost',
    async () => {
      const db = cluster!;
      await underLoad({
        name: 'PostgreSQL frozen',
        durationMs: POSTGRES_FROZEN_MS,
        begin: () => db.freeze(),
        end: () => Promise.resolve(db.thaw()),
      });
    },
    FAULT_TEST_TIMEOUT_MS,
  );
});
