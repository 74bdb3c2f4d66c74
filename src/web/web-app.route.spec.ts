import fastify from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveWebApp } from './web-app.route';

describe('serveWebApp (the web client at /app)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'web-dist-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const appOn = (distDir: string) => {
    const app = fastify();
    serveWebApp(app, distDir);
    app.get('/api/v1/ping', () => ({ ok: true }));
    return app;
  };

  it('answers 404 saying how to build it when web/dist is absent, and the rest still serves', async () => {
    const app = appOn(join(dir, 'missing'));
    const res = await app.inject('/app/');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      status: 404,
      code: 'not_found',
      message: expect.stringContaining('npm run web:build'),
    });
    expect((await app.inject('/api/v1/ping')).statusCode).toBe(200);
  });

  it('serves files, hashed assets immutable, the page no-cache, and index.html for client routes', async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'sw.js'), 'self');
    writeFileSync(join(dir, '..', 'secret.txt'), 'no');
    const app = appOn(dir);

    for (const path of ['/app', '/app/', '/app/chat/17', '/app/invite/a-b_c?x=1']) {
      const res = await app.inject(path);
      expect([path, res.statusCode, res.headers['cache-control']]).toEqual([path, 200, 'no-cache']);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.body).toContain('<title>x</title>');
    }
    const js = await app.inject('/app/assets/index-abc123.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const sw = await app.inject('/app/sw.js');
    expect([sw.statusCode, sw.headers['cache-control']]).toEqual([200, 'no-cache']);

    // Missing files are 404s (not the page), and nothing outside the build is reachable.
    for (const path of [
      '/app/assets/index-old.js',
      '/app/favicon.ico',
      '/app/../secret.txt',
      '/app/%2e%2e/secret.txt',
      '/app/assets/%2e%2e/%2e%2e/secret.txt',
      '/application',
    ])
      expect([path, (await app.inject(path)).statusCode]).toEqual([path, 404]);
  });
});
