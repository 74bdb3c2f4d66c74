import { startApp, TestApp } from './support/app';

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
});
