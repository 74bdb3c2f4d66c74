import { Client } from 'pg';
import { buildService, removeBuild, ServiceProcess, startService } from './support/service-process';

const API = '/api/v1';
const SENDERS = 8;
/** Acknowledged sends before the signal: enough that the drain starts under steady load. */
const ACKS_BEFORE_SIGNAL = 60;
/** A bound on every loop, whatever happens. */
const MAX_SENDS_PER_SENDER = 400;

interface Attempt {
  clientMessageId: string;
  startedAt: number;
  endedAt: number;
  status: number | 'network_error';
  messageId?: number;
}

async function call(
  origin: string,
  path: string,
  init: RequestInit & { token?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  return fetch(`${origin}${API}${path}`, { ...init, headers });
}

async function register(origin: string, name: string): Promise<{ id: number; token: string }> {
  const res = await call(origin, '/auth/register', {
    method: 'POST',
    body: JSON.stringify({
      username: `${name}_${Date.now().toString(36)}`,
      password: 'correct horse battery',
    }),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { user: { id: number }; access_token: string };
  return { id: body.user.id, token: body.access_token };
}

async function committedClientIds(chatId: number): Promise<{ ids: Set<string>; seqs: number[] }> {
  const db = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await db.connect();
  try {
    const { rows } = await db.query<{ client_message_id: string; seq: string }>(
      'SELECT client_message_id, seq FROM messages WHERE chat_id = $1 ORDER BY seq',
      [chatId],
    );
    return {
      ids: new Set(rows.map((row) => row.client_message_id)),
      seqs: rows.map((row) => Number(row.seq)),
    };
  } finally {
    await db.end();
  }
}

describe('graceful shutdown of the real process (e2e)', () => {
  let build: string;
  let service: ServiceProcess | undefined;

  beforeAll(async () => {
    build = await buildService();
  }, 120_000);
  afterEach(async () => {
    if (service?.child.exitCode === null) {
      service.child.kill('SIGKILL');
      await service.exited;
    }
  });
  afterAll(() => removeBuild(build));

  it('on SIGTERM finishes every in-flight send, loses no acknowledged message and exits 0', async () => {
    service = await startService(build, { LOG_LEVEL: 'info' });
    const { origin } = service;
    const { child } = service;
    const alice = await register(origin, 'alice');
    const bob = await register(origin, 'bob');
    const created = await call(origin, '/chats', {
      method: 'POST',
      token: alice.token,
      body: JSON.stringify({ member_ids: [bob.id] }),
    });
    expect(created.status).toBe(201);
    const chatId = ((await created.json()) as { id: number }).id;

    const attempts: Attempt[] = [];
    let acknowledged = 0;
    let signalledAt = Infinity;
    let signal!: () => void;
    const signalled = new Promise<void>((resolve) => (signal = resolve));

    const sender = async (index: number): Promise<void> => {
      const author = index % 2 === 0 ? alice : bob;
      for (let n = 0; n < MAX_SENDS_PER_SENDER; n += 1) {
        const clientMessageId = `s${index}-${n}`;
        const startedAt = performance.now();
        const attempt: Attempt = { clientMessageId, startedAt, endedAt: 0, status: 'network_error' };
        attempts.push(attempt);
        try {
          const res = await call(origin, `/chats/${chatId}/messages`, {
            method: 'POST',
            token: author.token,
            body: JSON.stringify({
              content: `message ${clientMessageId}`,
              client_message_id: clientMessageId,
            }),
          });
          attempt.status = res.status;
          if (res.status === 201) attempt.messageId = ((await res.json()) as { id: number }).id;
          else await res.arrayBuffer();
        } catch {
          attempt.status = 'network_error';
        }
        attempt.endedAt = performance.now();
        if (attempt.status !== 201) return;
        acknowledged += 1;
        if (acknowledged === ACKS_BEFORE_SIGNAL) {
          signalledAt = performance.now();
          child.kill('SIGTERM');
          signal();
        }
      }
    };

    const senders = Array.from({ length: SENDERS }, (_, index) => sender(index));
    await signalled;
    const exit = await service.exited;
    await Promise.all(senders);

    expect(exit).toEqual({ code: 0, signal: null });
    const acked = attempts.filter((attempt) => attempt.status === 201);
    const inFlightAtSignal = attempts.filter((a) => a.startedAt < signalledAt && a.endedAt > signalledAt);
    const afterSignal = attempts.filter((a) => a.startedAt > signalledAt);
    const { ids, seqs } = await committedClientIds(chatId);

    // Every send the client saw acknowledged is in the database, and nothing else is.
    for (const attempt of acked) expect(ids.has(attempt.clientMessageId)).toBe(true);
    expect(ids.size).toBe(acked.length);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    // Sends already on their way when the signal came were finished, not cut off.
    expect(inFlightAtSignal.length).toBeGreaterThan(0);
    for (const attempt of inFlightAtSignal) expect(attempt.status).toBe(201);
    // Afterwards the instance stops taking work: a refused connection, never a 5xx.
    for (const attempt of afterSignal) expect([201, 'network_error']).toContain(attempt.status);
    expect(afterSignal.some((attempt) => attempt.status === 'network_error')).toBe(true);

    const messages = service.logs().map((line) => line.msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        'SIGTERM received, shutting down',
        'Draining: readiness answers 503',
        'Drained: no request or socket event in flight',
        'Stopped',
      ]),
    );
    process.stdout.write(
      `shutdown: ${acked.length} sends acknowledged and committed (${inFlightAtSignal.length} in flight at ` +
        `SIGTERM, ${afterSignal.filter((a) => a.status === 201).length} served while draining), ` +
        `${afterSignal.filter((a) => a.status === 'network_error').length} refused after close\n`,
    );
  }, 60_000);

  it('answers readiness 503 from the signal on, while still serving, until the listener closes', async () => {
    service = await startService(build, { SHUTDOWN_DELAY_SECONDS: '2' });
    const { origin } = service;
    const ready = () => fetch(`${origin}/health/ready`);
    expect((await ready()).status).toBe(200);

    service.child.kill('SIGTERM');
    let res = await ready();
    for (let tries = 0; res.status === 200 && tries < 100; tries += 1) res = await ready();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      status: 503,
      code: 'service_unavailable',
      details: { serving: { status: 'down', reason: 'shutting down' }, database: { status: 'up' } },
    });
    expect(res.headers.get('connection')).toBe('close');
    // Liveness still answers during the delay: the process is fine, only leaving.
    expect((await fetch(`${origin}/health/live`)).status).toBe(200);

    expect(await service.exited).toEqual({ code: 0, signal: null });
  }, 30_000);
});
