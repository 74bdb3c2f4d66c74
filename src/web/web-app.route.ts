import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { ErrorBody } from '../common/http/error-status.mapping';

/** Where the web client (web/, `npm run web:build`) is served. */
export const WEB_APP_PATH = '/app';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The web client's own Content-Security-Policy: helmet's default, plus what the client loads
 * (attachment urls may live on an object store: https images and audio, blob: previews and
 * recordings, its service worker), without `upgrade-insecure-requests`, which would break the
 * plain-http development setup.
 */
const CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https:",
  "media-src 'self' blob: https:",
  "connect-src 'self'",
  "worker-src 'self'",
  "font-src 'self' data:",
  "object-src 'none'",
  "frame-ancestors 'self'",
  "form-action 'self'",
].join('; ');

/** Hashed build output (Vite's `assets/name-hash.js`): never changes under the same name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The built client: web/dist beside src/ (ts-node, tests) or beside dist/ (the compiled service). */
export function defaultWebDistDir(): string {
  const candidates = [resolve(__dirname, '../../web/dist'), resolve(__dirname, '../../../web/dist')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0];
}

function notFound(reply: FastifyReply, message: string): FastifyReply {
  const body: ErrorBody = { status: 404, code: 'not_found', message };
  return reply.code(404).header('Cache-Control', 'no-store').send(body);
}

async function fileAt(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Serves the web client's static build at /app: its files (hashed assets cached for good,
 * everything else revalidated), and index.html for any other path under /app (the client's own
 * routes, such as /app/invite/:code). Without a build, /app answers 404 saying so; the service
 * starts either way. The API is not affected: this is one wildcard route outside /api/v1.
 */
export function serveWebApp(instance: FastifyInstance, distDir: string = defaultWebDistDir()): void {
  const root = resolve(distDir);
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const url = request.raw.url ?? '/';
    const end = url.indexOf('?');
    let path: string;
    try {
      path = decodeURIComponent(end === -1 ? url : url.slice(0, end));
    } catch {
      return notFound(reply, 'Not found');
    }
    const lower = path.toLowerCase();
    if (lower !== WEB_APP_PATH && !lower.startsWith(`${WEB_APP_PATH}/`)) return notFound(reply, 'Not found');
    const index = join(root, 'index.html');
    if (!(await fileAt(index)))
      return notFound(reply, 'The web client is not built: run `npm run web:build` (it builds web/dist)');
    const relative = path.slice(WEB_APP_PATH.length + 1);
    const file = resolve(root, relative);
    const inside = file.startsWith(root + sep) && !relative.includes('\0');
    if (inside && relative !== '' && (await fileAt(file))) {
      const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      reply
        .header('Content-Type', type)
        .header('Cache-Control', relative.startsWith('assets/') ? IMMUTABLE : 'no-cache');
      if (type.startsWith('text/html')) reply.header('Content-Security-Policy', CSP);
      return reply.send(await readFile(file));
    }
    // A missing file (an old hashed asset, a typo) is a 404, not the page: a script tag
    // answered with HTML fails confusingly.
    if (relative.startsWith('assets/') || extname(relative) !== '')
      return notFound(reply, 'No such file of the web client');
    return reply
      .header('Content-Type', CONTENT_TYPES['.html'])
      .header('Cache-Control', 'no-cache')
      .header('Content-Security-Policy', CSP)
      .send(await readFile(index));
  };
  // One wildcard route (it matches /app, /app/ and everything under it): the route table the
  // API tests hold against the contract leaves wildcard routes out.
  instance.get(`${WEB_APP_PATH}*`, handler);
}
