import { startApp, TestApp, useApp } from './support/app.fixture';
import { API, MANY_REQUESTS } from './support/messages.helpers';

describe('hostile input (e2e)', () => {
  const t = useApp(MANY_REQUESTS);

  describe('response headers', () => {
    it('sends helmet headers, a request id, and no X-Powered-By', async () => {
      const res = await t.http().get('/health/live').expect(200);
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      });
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['x-powered-by']).toBeUndefined();
    });
  });
});

describe('CORS from configuration (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ ...MANY_REQUESTS, CORS_ORIGINS: 'https://rescue.example.org' });
  });
  afterAll(() => t.close());

  it('allows a listed origin, with credentials, and exposes X-Request-Id', async () => {
    const res = await t
      .http()
      .options(`${API}/users/me`)
      .set('Origin', 'https://rescue.example.org')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(res.status).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBe('https://rescue.example.org');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    const get = await t.http().get('/health/live').set('Origin', 'https://rescue.example.org');
    expect(get.headers['access-control-expose-headers']).toContain('X-Request-Id');
  });

  it('does not allow another origin', async () => {
    const res = await t.http().get('/health/live').set('Origin', 'https://evil.example.com');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
