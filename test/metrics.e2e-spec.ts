import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { MetricsListener } from '../src/observability/metrics.listener';
import { startApp, TestApp } from './support/app.fixture';
import { createChat } from './support/chats.helpers';
import { API } from './support/messages.helpers';
import { closeSockets, connectAs, request as ask } from './support/sockets.helpers';
import { registerUser } from './support/users.helpers';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function parse(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]),
      );
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted),
  )?.value;
}

/** GET with the path exactly as written (no client-side normalisation); resolves the status. */
function rawGet(origin: string, path: string, authorization?: string): Promise<number> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const headers = authorization ? { Authorization: authorization } : {};
    const req = httpRequest({ host: hostname, port, path, method: 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Spellings of the metrics path that Express routes to the metrics handler (case, trailing slash, query). */
const REACHING_SPELLINGS = ['/metrics', '/metrics/', '/METRICS', '/Metrics', '/METRICS/', '/metrics?x=1'];
/** Spellings a proxy may normalise to /metrics, but Express does not route there. */
const OTHER_SPELLINGS = [
  '//metrics',
  '/%6detrics',
  '/%6Detrics',
  '/./metrics',
  '/api/../metrics',
  '/metrics%2F',
];

describe('GET /metrics (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(async () => {
    closeSockets();
    await t.close();
  });

  const scrape = async (): Promise<Sample[]> => {
    const res = await t.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parse(res.text);
  };

  it('exports every family with values after REST and socket traffic', async () => {
    const alice = await registerUser(t, 'alice');
    const bob = await registerUser(t, 'bob');
    const chat = await createChat(t, alice, [bob]);
    await t
      .http()
      .post(`${API}/chats/${chat.id}/messages`)
      .set(alice.auth)
      .send({ content: 'hi' })
      .expect(201);
    await t.http().get(`${API}/chats/${chat.id}`).set(alice.auth).expect(200);
    await t.http().get(`${API}/chats/${chat.id}`).expect(401);
    await t.http().get(`${API}/no-such-route/123`).expect(404);
    const socket = await connectAs(t, bob);
    expect((await ask(socket, 'message:send', { chat_id: chat.id, content: 'hello' })).ok).toBe(true);
    expect((await ask(socket, 'message:send', { chat_id: chat.id, content: '' })).ok).toBe(false);

    const samples = await scrape();
    const families = new Set(samples.map((sample) => sample.name));
    const http = 'http_request_duration_seconds_count';
    const route = '/api/v1/chats/:chat_id';
    expect(value(samples, http, { method: 'POST', route: `${route}/messages`, status: '201' })).toBe(1);
    expect(value(samples, http, { method: 'GET', route, status: '200' })).toBe(1);
    expect(value(samples, http, { method: 'GET', route, status: '401' })).toBe(1);
    expect(value(samples, http, { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(value(samples, 'http_request_duration_seconds_bucket', { route, status: '200', le: '+Inf' })).toBe(
      1,
    );
    // Route patterns only: no label carries an id.
    for (const sample of samples) {
      if (sample.labels.route) expect(sample.labels.route).not.toMatch(/\/\d+(\/|$)/);
    }
    expect(value(samples, 'http_requests_in_flight')).toBe(1);

    expect(value(samples, 'chat_sockets_connected')).toBe(1);
    const events = 'chat_socket_event_duration_seconds_count';
    expect(value(samples, events, { event: 'message:send', outcome: 'ok' })).toBe(1);
    expect(value(samples, events, { event: 'message:send', outcome: 'error' })).toBe(1);
    expect(value(samples, 'chat_messages_persisted_total')).toBe(2);
    expect(value(samples, 'chat_commit_to_emit_seconds_count')).toBeGreaterThanOrEqual(2);

    expect(value(samples, 'chat_db_pool_max_connections')).toBe(5);
    const inUse = value(samples, 'chat_db_pool_connections', { state: 'in_use' });
    const idle = value(samples, 'chat_db_pool_connections', { state: 'idle' });
    expect(inUse! + idle!).toBeGreaterThanOrEqual(1);
    expect(inUse! + idle!).toBeLessThanOrEqual(5);
    expect(value(samples, 'chat_db_pool_waiting_requests')).toBe(0);

    for (const family of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'process_cpu_seconds_total',
    ]) {
      expect(families).toContain(family);
    }
    expect(value(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    // The dashboard and the alert rules read only families the service exports.
    for (const file of ['deploy/grafana/dashboards/rescue-chat.json', 'deploy/alerts.yml']) {
      const text = readFileSync(join(__dirname, '..', file), 'utf8');
      const used = new Set(text.match(/\b(?:http|chat|nodejs|process)_[a-z0-9_]+/g));
      expect(used.size).toBeGreaterThan(5);
      for (const name of used)
        expect({ file, name, exported: families.has(name) }).toEqual({ file, name, exported: true });
    }

    socket.disconnect();
    let connected = value(await scrape(), 'chat_sockets_connected');
    for (let tries = 0; connected !== 0 && tries < 50; tries += 1) {
      connected = value(await scrape(), 'chat_sockets_connected');
    }
    expect(connected).toBe(0);
  });

  it('lives at the root, outside /api/v1, and needs no token by default', async () => {
    await t.http().get(`${API}/metrics`).expect(404);
    await t.http().get('/metrics').set('Authorization', 'Bearer anything').expect(200);
  });

  describe('with METRICS_TOKEN', () => {
    let guarded: TestApp;
    const token = 'scrape-token-0123456789abcdef';

    beforeAll(async () => {
      guarded = await startApp({ METRICS_TOKEN: token });
    });
    afterAll(() => guarded.close());

    it('answers 401 in the error shape without the token or with another one', async () => {
      for (const header of [undefined, 'Bearer wrong-token-0123456789abcd', `Basic ${token}`, token]) {
        const req = guarded.http().get('/metrics');
        if (header) void req.set('Authorization', header);
        const res = await req.expect(401);
        expect(res.body).toEqual({ status: 401, code: 'unauthorized', message: expect.any(String) });
      }
    });

    it('serves the metrics for Authorization: Bearer <METRICS_TOKEN>', async () => {
      const res = await guarded.http().get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
      expect(parse(res.text).some((sample) => sample.name === 'http_request_duration_seconds_count')).toBe(
        true,
      );
    });
  });

  it('is reached on the main port by these spellings, and no others (deploy/nginx.conf blocks them all)', async () => {
    for (const path of REACHING_SPELLINGS) expect([path, await rawGet(t.origin, path)]).toEqual([path, 200]);
    for (const path of OTHER_SPELLINGS) expect([path, await rawGet(t.origin, path)]).toEqual([path, 404]);
  });

  describe('with METRICS_PORT', () => {
    let separate: TestApp;
    let metricsOrigin: string;
    const token = 'scrape-token-0123456789abcdef';

    beforeAll(async () => {
      separate = await startApp({ METRICS_PORT: '0', METRICS_TOKEN: token });
      metricsOrigin = `http://127.0.0.1:${separate.app.get(MetricsListener).port}`;
    });
    afterAll(() => separate.close());

    it('serves the metrics on that port only, with the token', async () => {
      expect(metricsOrigin).not.toBe(separate.origin);
      const res = await fetch(`${metricsOrigin}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(parse(await res.text()).some((sample) => sample.name === 'process_cpu_seconds_total')).toBe(
        true,
      );
      const refused = await fetch(`${metricsOrigin}/metrics`);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({
        status: 401,
        code: 'unauthorized',
        message: expect.any(String),
      });
    });

    it('answers 404 for every spelling on the main port, and for anything else on the metrics port', async () => {
      for (const path of [...REACHING_SPELLINGS, ...OTHER_SPELLINGS]) {
        expect([path, await rawGet(separate.origin, path, `Bearer ${token}`)]).toEqual([path, 404]);
      }
      for (const path of ['/health/live', `${API}/users/me`, '/docs', '/metrics/x', '/']) {
        expect([path, await rawGet(metricsOrigin, path)]).toEqual([path, 404]);
      }
      await separate.http().get('/health/live').expect(200);
    });
  });
});
