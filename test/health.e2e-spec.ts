import { randomBytes } from 'node:crypto';
import { startApp, TestApp } from './support/app.fixture';

describe('operations routes (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('GET /health/live answers 200 without a token, outside /api/v1', async () => {
    await t.http().get('/health/live').expect(200, { status: 'ok' });
    await t.http().get('/api/v1/health/live').expect(404);
  });

  it('GET /health/ready checks the database', async () => {
    const res = await t.http().get('/health/ready').expect(200);
    expect(res.body.details.database.status).toBe('up');
  });

  it('serves the OpenAPI document at /docs/openapi.json', async () => {
    const res = await t.http().get('/docs/openapi.json').expect(200);
    expect(res.body.paths['/api/v1/auth/register']).toBeDefined();
  });

  describe('with REDIS_URL', () => {
    const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
    // Keys and channels of its own on the shared Redis, as every suite there (parallel workers).
    const prefix = `test-health-${randomBytes(6).toString('hex')}`;

    it('checks Redis too, from the first probe on', async () => {
      const withRedis = await startApp({ REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix });
      try {
        const res = await withRedis.http().get('/health/ready').expect(200);
        expect(res.body.details).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' } });
      } finally {
        await withRedis.close();
      }
    });

    it('stays ready (200), reported degraded, when Redis does not answer', async () => {
      const { createServer } = await import('node:net');
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as { port: number };
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const noRedis = await startApp({ REDIS_URL: `redis://127.0.0.1:${port}` });
      try {
        const res = await noRedis.http().get('/health/ready').expect(200);
        expect(res.body).toMatchObject({
          status: 'degraded',
          details: { database: { status: 'up' }, redis: { status: 'degraded' } },
        });
        await noRedis.http().get('/health/live').expect(200);
      } finally {
        await noRedis.close();
      }
    });
  });
});
