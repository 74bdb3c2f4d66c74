import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, TestApp } from './support/app.fixture';

const COMMITTED = join(__dirname, '..', 'docs', 'openapi.json');

/**
 * The committed docs/openapi.json is what frontend teams read in review: it must match the code.
 * `npm run docs:openapi` regenerates it after an API change.
 */
describe('OpenAPI document (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('is served at /docs/openapi.json and matches the committed docs/openapi.json', async () => {
    const res = await t.http().get('/docs/openapi.json').expect(200);
    const generated = `${JSON.stringify(res.body, null, 2)}\n`;
    if (process.env.UPDATE_API_DOCS === '1') writeFileSync(COMMITTED, generated);
    expect(JSON.parse(readFileSync(COMMITTED, 'utf8'))).toEqual(res.body);
  });

  it('documents every route of the contract with its errors', async () => {
    const { paths } = (await t.http().get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const routes = Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /api/v1/auth/register',
        'POST /api/v1/auth/login',
        'POST /api/v1/auth/refresh',
        'POST /api/v1/auth/logout',
        'GET /api/v1/users/me',
        'GET /api/v1/users',
        'GET /api/v1/chats',
        'POST /api/v1/chats',
        'GET /api/v1/chats/{chat_id}',
        'PATCH /api/v1/chats/{chat_id}',
        'DELETE /api/v1/chats/{chat_id}',
        'GET /api/v1/chats/{chat_id}/members',
        'POST /api/v1/chats/{chat_id}/members/{user_id}',
        'PATCH /api/v1/chats/{chat_id}/members/{user_id}',
        'DELETE /api/v1/chats/{chat_id}/members/{user_id}',
        'GET /api/v1/chats/{chat_id}/messages',
        'POST /api/v1/chats/{chat_id}/messages',
        'PATCH /api/v1/chats/{chat_id}/messages/{message_id}',
        'DELETE /api/v1/chats/{chat_id}/messages/{message_id}',
        'GET /api/v1/chats/{chat_id}/unread',
        'PATCH /api/v1/chats/{chat_id}/unread',
        'GET /api/v1/chats/{chat_id}/messages/{message_id}/reads',
        'GET /api/v1/messages/search',
        'POST /api/v1/attachments',
        'GET /api/v1/attachments/{attachment_id}',
        'GET /api/v1/attachments/{attachment_id}/content',
        'GET /api/v1/users/me/settings',
        'PATCH /api/v1/users/me/settings',
      ]),
    );
    // Signed URLs for <img src> and a digest's unsubscribe link: the signature in the query is the
    // permission, no bearer token. The Web Push application server key is public (a service worker
    // may subscribe before a login).
    const publicWithinApi = new Set([
      '/api/v1/attachments/{attachment_id}/content',
      '/api/v1/email/unsubscribe',
      '/api/v1/push/vapid-public-key',
    ]);
    for (const [path, methods] of Object.entries(paths)) {
      if (!path.startsWith('/api/v1/') || path.startsWith('/api/v1/auth/') || publicWithinApi.has(path))
        continue;
      for (const [method, operation] of Object.entries(methods)) {
        expect({ route: `${method} ${path}`, has401: '401' in operation.responses }).toEqual({
          route: `${method} ${path}`,
          has401: true,
        });
      }
    }
  });
});
