import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DATABASE_RETRY_AFTER_MS } from '../src/common/errors/database-unavailable.error';
import { runMigrations } from '../src/database/migrations.runner';
import { poolOf } from '../src/database/pg-pool.driver';
import type { Ack } from '../src/realtime/events.types';
import { startApp, TestApp } from './support/app.fixture';
import { createChat } from './support/chats.helpers';
import { API, MANY_REQUESTS } from './support/messages.helpers';
import { PgCluster } from './support/pg-cluster.server';
import { ClientSocket, closeSockets, connectAs, request } from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

/** Short, so the test is quick; the default is 5000. */
const QUERY_TIMEOUT_MS = 2000;
/** What the service adds on its side (client-side grace) plus a shared, loaded 2-core machine. */
const LATENCY_MARGIN_MS = 2500;

const UNAVAILABLE = {
  status: 503,
  code: 'service_unavailable',
  message: 'The database is not answering; try again shortly',
  details: { retry_after_ms: DATABASE_RETRY_AFTER_MS },
};

/**
 * PostgreSQL away or frozen: sends and requests fail within the bound with 503 and a retry hint,
 * never hang and never answer 500, and the service recovers by itself once PostgreSQL is back.
 * The cluster is the test's own (initdb in a temporary folder), so it can be stopped and frozen.
 */
describe('PostgreSQL faults (e2e)', () => {
  let pg: PgCluster;
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let chatId: number;
  let socket: ClientSocket;

  beforeAll(async () => {
    pg = await PgCluster.create();
    const databaseUrl = await pg.createDatabase('chat');
    await runMigrations(databaseUrl);
    t = await startApp({
      ...MANY_REQUESTS,
      DATABASE_URL: databaseUrl,
      DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      // Every 503 here is expected; the request log would print each as an error.
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal',
    });
    [alice, bob] = await Promise.all([registerUser(t, 'alice'), registerUser(t, 'bob')]);
    chatId = (await createChat(t, alice, [bob])).id;
    socket = await connectAs(t, alice);
  }, 60_000);

  afterAll(async () => {
    closeSockets();
    pg?.thaw();
    await t?.close();
    await pg?.destroy();
  });

  /** A socket send, with how long its ack took. */
  async function timedSend(clientMessageId: string): Promise<{ ack: Ack<unknown>; ms: number }> {
    const started = performance.now();
    const ack = await request(
      socket,
      'message:send',
      {
        chat_id: chatId,
        content: `message ${clientMessageId}`,
        client_message_id: clientMessageId,
      },
      30_000,
    );
    return { ack, ms: performance.now() - started };
  }

  /** Retries a send (same client_message_id) until it is acknowledged; the time that took. */
  async function sendUntilAcked(clientMessageId: string, within: number): Promise<number> {
    const started = performance.now();
    for (;;) {
      const { ack } = await timedSend(clientMessageId);
      if (ack.ok) return performance.now() - started;
      expect(ack).toEqual({ ok: false, error: UNAVAILABLE });
      if (performance.now() - started > within) throw new Error(`no ack within ${within} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Every message of the chat with these client_message_ids, and whether the chat's seqs are gapless. */
  async function stored(ids: string[]): Promise<{ perId: Map<string, number>; gapless: boolean }> {
    const rows: { client_message_id: string | null; seq: number }[] = await t.db.query(
      'SELECT client_message_id, seq FROM messages WHERE chat_id = $1 ORDER BY seq',
      [chatId],
    );
    const perId = new Map(ids.map((id) => [id, rows.filter((row) => row.client_message_id === id).length]));
    return { perId, gapless: rows.every((row, i) => Number(row.seq) === i + 1) };
  }

  function report(
    fault: string,
    sends: { ms: number }[],
    restMs: number | undefined,
    recovery: number[],
  ): void {
    const ms = (value: number): string => `${Math.round(value)} ms`;
    process.stdout.write(
      `PostgreSQL ${fault} (query timeout ${QUERY_TIMEOUT_MS} ms): sends answered 503 after ` +
        `${ms(Math.min(...sends.map((send) => send.ms)))}-${ms(Math.max(...sends.map((send) => send.ms)))}` +
        (restMs === undefined ? '' : `, REST after at most ${ms(restMs)}`) +
        `, acknowledged again ${ms(Math.max(...recovery))} after it came back\n`,
    );
  }

  function expectUnavailable(res: { status: number; headers: Record<string, string>; body: unknown }): void {
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe(String(DATABASE_RETRY_AFTER_MS / 1000));
    expect(res.body).toEqual(UNAVAILABLE);
  }

  it('frozen (SIGSTOP): answers sends and requests 503 within the bound, then recovers by itself', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    await pg.freeze();
    let thawed = false;
    try {
      const started = performance.now();
      const [sends, list, post] = await Promise.all([
        Promise.all(ids.map((id) => timedSend(id))),
        t.http().get(`${API}/chats`).set(alice.auth),
        t
          .http()
          .post(`${API}/chats/${chatId}/messages`)
          .set(bob.auth)
          .send({ content: 'rest', client_message_id: 'r1' }),
      ]);
      const restMs = performance.now() - started;
      for (const { ack, ms } of sends) {
        expect(ack).toEqual({ ok: false, error: UNAVAILABLE });
        // Failed by the bound, not at once and not at the thaw.
        expect(ms).toBeGreaterThanOrEqual(QUERY_TIMEOUT_MS - 100);
        expect(ms).toBeLessThan(QUERY_TIMEOUT_MS + LATENCY_MARGIN_MS);
      }
      expectUnavailable(list);
      expectUnavailable(post);
      expect(restMs).toBeLessThan(QUERY_TIMEOUT_MS + LATENCY_MARGIN_MS);

      pg.thaw();
      thawed = true;
      // The same client_message_ids again: each lands once, whatever the abandoned batch did.
      const recovery = await Promise.all(ids.map((id) => sendUntilAcked(id, 10_000)));
      expect(Math.max(...recovery)).toBeLessThan(5000);
      const { perId, gapless } = await stored(ids);
      expect([...perId.values()]).toEqual([1, 1, 1]);
      expect(gapless).toBe(true);
      await t.http().get(`${API}/chats`).set(alice.auth).expect(200);
      report('frozen', sends, restMs, recovery);
    } finally {
      if (!thawed) pg.thaw();
    }
  }, 60_000);

  it('closes a pool connection whose statement got no answer, rather than reuse it', async () => {
    const pool = poolOf(t.db)!;
    const client = await pool.connect();
    const closed = new Promise<Error>((resolve) => client.once('error', resolve));
    await pg.freeze();
    try {
      const started = performance.now();
      await expect(client.query('SELECT 1')).rejects.toThrow('Query read timeout');
      expect(performance.now() - started).toBeLessThan(QUERY_TIMEOUT_MS + LATENCY_MARGIN_MS);
      // node-postgres alone keeps it open, the statement still active on the server.
      expect((await closed).message).toMatch(/^Connection terminated/);
    } finally {
      client.release(true);
      pg.thaw();
    }
  }, 30_000);

  it('stopped and restarted: answers 503 (not 500) at once while it is down, then recovers by itself', async () => {
    const ids = [randomUUID(), randomUUID()];
    await pg.stopImmediately();
    let restarted = false;
    try {
      const sends = await Promise.all(ids.map((id) => timedSend(id)));
      for (const { ack, ms } of sends) {
        expect(ack).toEqual({ ok: false, error: UNAVAILABLE });
        expect(ms).toBeLessThan(QUERY_TIMEOUT_MS + LATENCY_MARGIN_MS);
      }
      expectUnavailable(await t.http().get(`${API}/chats`).set(alice.auth));
      expectUnavailable(
        await t.http().post(`${API}/chats/${chatId}/messages`).set(bob.auth).send({ content: 'rest' }),
      );

      await pg.start();
      restarted = true;
      const recovery = await Promise.all(ids.map((id) => sendUntilAcked(id, 10_000)));
      expect(Math.max(...recovery)).toBeLessThan(5000);
      report('stopped', sends, undefined, recovery);
      const { perId, gapless } = await stored(ids);
      expect([...perId.values()]).toEqual([1, 1]);
      expect(gapless).toBe(true);
    } finally {
      if (!restarted) await pg.start();
    }
  }, 60_000);
});
