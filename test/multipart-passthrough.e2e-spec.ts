import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { rawRequestOf } from '../src/common/http/raw-request.util';
import { expectErrorShape } from './support/errors.helpers';
import { startApp, TestApp } from './support/app.fixture';

const UPLOAD_PATH = '/test-only/upload';
const BOUNDARY = 'rescue-chat-test-boundary';

/** What the test-only route saw of the body: nothing parsed, the Node stream whole and unread. */
interface Seen {
  parsedBody: boolean;
  unreadAtHandler: boolean;
  bytes: number;
  sha256: string;
}

/**
 * A route that reads the body itself, from the Node request, as the attachments route does with
 * busboy: added to the app as it is built (its parsers and hooks), before it listens.
 */
function addUploadRoute(app: INestApplication): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  fastify.post(UPLOAD_PATH, async (request) => {
    const raw = rawRequestOf(request);
    const unreadAtHandler = !raw.readableEnded && raw.readableLength === 0;
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of raw as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      hash.update(chunk);
    }
    return {
      parsedBody: request.body !== undefined,
      unreadAtHandler,
      bytes,
      sha256: hash.digest('hex'),
    } satisfies Seen;
  });
}

/** A multipart/form-data body of one file field holding `data`. */
function multipartBody(data: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="photo.bin"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    data,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

/** POSTs `body` as multipart/form-data, in chunks, and resolves with the status and the JSON answer. */
function postMultipart(
  origin: string,
  path: string,
  body: Buffer,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${origin}${path}`,
      {
        method: 'POST',
        headers: {
          'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
          'Content-Length': body.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
        );
      },
    );
    req.on('error', reject);
    for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
    req.end();
  });
}

describe('multipart bodies (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({}, addUploadRoute);
  });
  afterAll(() => t.close());

  it('reach a route that streams them as the raw Node request, unread and whole (5 MB, past the 64 KB JSON limit)', async () => {
    const body = multipartBody(randomBytes(5 * 1024 * 1024));
    const res = await postMultipart(t.origin, UPLOAD_PATH, body);
    expect(res).toEqual({
      status: 200,
      body: {
        parsedBody: false,
        unreadAtHandler: true,
        bytes: body.length,
        sha256: createHash('sha256').update(body).digest('hex'),
      } satisfies Seen,
    });
  });

  it('are refused by a JSON route as on Express: no body reaches it, its validation answers 400', async () => {
    const res = await postMultipart(t.origin, '/api/v1/auth/login', multipartBody(Buffer.from('not json')));
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 400, 'validation_failed');
  });
});
