import { startApp, TestApp, useApp } from './support/app.fixture';
import { expectErrorShape } from './support/errors.helpers';
import { API } from './support/messages.helpers';
import { uniqueUsername } from './support/users.helpers';

describe('rate limits (e2e)', () => {
  const t = useApp({ AUTH_RATE_LIMIT_MAX: '2', RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_SECONDS: '60' });

  const login = (ip?: string) => {
    const req = t
      .http()
      .post(`${API}/auth/login`)
      .send({ username: 'nobody_here', password: 'wrong password' });
    return ip ? req.set('X-Forwarded-For', ip) : req;
  };

  it('answers the third login within the window with 429 rate_limited and Retry-After', async () => {
    await login().expect(401);
    await login().expect(401);
    const res = await login().expect(429);
    expect(res.body).toEqual({
      status: 429,
      code: 'rate_limited',
      message: expect.any(String),
      details: { retry_after_ms: expect.any(Number), retry_after_seconds: expect.any(Number) },
    });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('counts register on its own stricter budget', async () => {
    const body = () => ({ username: uniqueUsername('rl'), password: 'password123' });
    await t.http().post(`${API}/auth/register`).send(body()).expect(201);
    await t.http().post(`${API}/auth/register`).send(body()).expect(201);
    const res = await t.http().post(`${API}/auth/register`).send(body()).expect(429);
    expectErrorShape(res.body, 429, 'rate_limited');
  });

  it('limits other routes at RATE_LIMIT_MAX, before authentication', async () => {
    for (let n = 0; n < 5; n += 1) await t.http().get(`${API}/users/me`).expect(401);
    const res = await t.http().get(`${API}/users/me`).expect(429);
    expectErrorShape(res.body, 429, 'rate_limited');
  });

  it('never limits health probes or metric scrapes', async () => {
    for (let n = 0; n < 12; n += 1) {
      await t.http().get('/health/live').expect(200);
      await t.http().get('/health/ready').expect(200);
      await t.http().get('/metrics').expect(200);
    }
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY says so: a client cannot pick a fresh address', async () => {
    const res = await login('203.0.113.7').expect(429);
    expectErrorShape(res.body, 429, 'rate_limited');
  });

  describe("the budgets' headers (as @nestjs/throttler sets them)", () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await startApp({
        AUTH_RATE_LIMIT_MAX: '3',
        RATE_LIMIT_MAX: '4',
        RATE_LIMIT_WINDOW_SECONDS: '60',
      });
    });
    afterAll(() => app.close());

    const budget = (headers: Record<string, string>, suffix = '') => ({
      limit: headers[`x-ratelimit-limit${suffix}`],
      remaining: headers[`x-ratelimit-remaining${suffix}`],
      reset: Number(headers[`x-ratelimit-reset${suffix}`]),
    });

    it('counts every route on the default budget, and login on the auth budget too', async () => {
      const first = await app.http().get(`${API}/chats`).expect(401);
      const second = await app.http().get(`${API}/chats`).expect(401);
      expect(budget(first.headers)).toEqual({ limit: '4', remaining: '3', reset: expect.any(Number) });
      expect(budget(second.headers)).toMatchObject({ limit: '4', remaining: '2' });
      expect(budget(first.headers).reset).toBeGreaterThan(0);
      expect(budget(first.headers).reset).toBeLessThanOrEqual(60);
      expect(first.headers['x-ratelimit-limit-auth']).toBeUndefined();

      const login = await app
        .http()
        .post(`${API}/auth/login`)
        .send({ username: 'nobody_here', password: 'wrong password' })
        .expect(401);
      // Its own route: a fresh default budget, and the stricter one beside it.
      expect(budget(login.headers)).toMatchObject({ limit: '4', remaining: '3' });
      expect(budget(login.headers, '-auth')).toMatchObject({ limit: '3', remaining: '2' });
    });

    it('sets none on the routes no budget counts', async () => {
      const res = await app.http().get('/health/live').expect(200);
      expect(Object.keys(res.headers).filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
    });
  });

  describe('behind a trusted proxy', () => {
    let proxied: TestApp;

    beforeAll(async () => {
      proxied = await startApp({ AUTH_RATE_LIMIT_MAX: '1', TRUST_PROXY: 'loopback' });
    });
    afterAll(() => proxied.close());

    it('counts each forwarded client address on its own', async () => {
      const attempt = (ip: string) =>
        proxied
          .http()
          .post(`${API}/auth/login`)
          .set('X-Forwarded-For', ip)
          .send({ username: 'nobody_here', password: 'wrong password' });
      await attempt('198.51.100.1').expect(401);
      await attempt('198.51.100.1').expect(429);
      await attempt('198.51.100.2').expect(401);
    });
  });
});
