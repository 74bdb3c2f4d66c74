import { execFile } from 'node:child_process';
import {
  createDecipheriv,
  createECDH,
  createHmac,
  createPublicKey,
  randomBytes,
  verify,
  type ECDH,
} from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { promisify } from 'node:util';

/** A push as the local push service received it, decrypted, with its VAPID token checked. */
export interface ReceivedPush {
  /** The subscription's path on the push service (its endpoint's path). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The decrypted payload, parsed as JSON. */
  payload: Record<string, unknown>;
  /** The VAPID JWT's claims (its ES256 signature verified against `k`). */
  vapid: { aud: string; exp: number; sub: string; k: string };
  at: number;
}

/** What the browser keeps of its subscription: the keys that decrypt its pushes. */
export interface BrowserSubscription {
  endpoint: string;
  path: string;
  keys: { p256dh: string; auth: string };
  ecdh: ECDH;
  authSecret: Buffer;
}

/**
 * A Web Push service of the test's own (RFC 8030) on https://127.0.0.1:<port>, with a
 * self-signed certificate made by openssl for the run. The process trusts it the way
 * NODE_EXTRA_CA_CERTS would (tls.setDefaultCACertificates: Jest may run the suite in its own
 * process, where NODE_EXTRA_CA_CERTS set now would be read too late); a child process is given
 * `caFile` as NODE_EXTRA_CA_CERTS. Every push is decrypted (RFC 8291 aes128gcm) with the
 * browser keys of `subscribe()` and its VAPID token verified (RFC 8292), so encryption and
 * signing are proven, not mocked. A path answers 201 unless told otherwise by `answer`.
 */
export interface LocalPushService {
  origin: string;
  /** `127.0.0.1:<port>`: what PUSH_ENDPOINT_HOSTS must allow. */
  host: string;
  caFile: string;
  received: ReceivedPush[];
  /** Requests it could not decrypt or verify (should stay empty). */
  rejected: { path: string; reason: string }[];
  /** A new browser subscription on this service: endpoint and keys, as PushSubscription.toJSON(). */
  subscribe(): BrowserSubscription;
  /** Requests made to each subscription's path, answered or not. */
  attempts: Map<string, number>;
  /** Makes `path` answer `status` from now on. */
  answer(path: string, status: number): void;
  /** The pushes received for the subscription. */
  pushesOf(sub: BrowserSubscription): ReceivedPush[];
  /** Resolves with the `count`-th push of the subscription, or rejects after `ms`. */
  waitFor(sub: BrowserSubscription, count?: number, ms?: number): Promise<ReceivedPush>;
  close(): Promise<void>;
}

export async function startPushService(): Promise<LocalPushService> {
  const dir = await mkdtemp(join(tmpdir(), 'push-service-'));
  const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  const [key, cert] = await Promise.all([readFile(keyFile), readFile(certFile)]);
  trust(cert.toString());

  const browsers = new Map<string, BrowserSubscription>();
  const statuses = new Map<string, number>();
  const received: ReceivedPush[] = [];
  const rejected: { path: string; reason: string }[] = [];
  const waiters = new Set<() => void>();
  const attempts = new Map<string, number>();

  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      attempts.set(path, (attempts.get(path) ?? 0) + 1);
      try {
        const browser = browsers.get(path);
        if (!browser) throw new Error('no such subscription');
        if (req.method !== 'POST') throw new Error(`method ${req.method}`);
        if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
        const vapid = verifyVapid(req.headers.authorization, origin);
        const payload = JSON.parse(decrypt(Buffer.concat(chunks), browser).toString('utf8')) as Record<
          string,
          unknown
        >;
        const status = statuses.get(path) ?? 201;
        if (status === 201) received.push({ path, headers: req.headers, payload, vapid, at: Date.now() });
        res.writeHead(status).end();
      } catch (error) {
        rejected.push({ path, reason: error instanceof Error ? error.message : String(error) });
        res.writeHead(400).end();
      }
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `https://127.0.0.1:${port}`;

  const service: LocalPushService = {
    origin,
    host: `127.0.0.1:${port}`,
    caFile: certFile,
    received,
    rejected,
    attempts,
    subscribe() {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const authSecret = randomBytes(16);
      const path = `/push/${randomBytes(12).toString('hex')}`;
      const sub: BrowserSubscription = {
        endpoint: `${origin}${path}`,
        path,
        keys: { p256dh: ecdh.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') },
        ecdh,
        authSecret,
      };
      browsers.set(path, sub);
      return sub;
    },
    answer(path, status) {
      statuses.set(path, status);
    },
    pushesOf(sub) {
      return received.filter((push) => push.path === sub.path);
    },
    waitFor(sub, count = 1, ms = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const pushes = service.pushesOf(sub);
          if (pushes.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(pushes[count - 1]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`push ${count} to ${sub.path} did not arrive within ${ms} ms`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
  return service;
}

/** Node 22.15+/24: the default CA set, changeable at run time (@types/node may predate them). */
const runtimeTls = tls as typeof tls & {
  getCACertificates(type: 'default'): string[];
  setDefaultCACertificates(certs: string[]): void;
};

/** Adds the certificate to the CAs every TLS client of this process trusts by default. */
function trust(cert: string): void {
  runtimeTls.setDefaultCACertificates([...runtimeTls.getCACertificates('default'), cert]);
}

/** HKDF-SHA-256's extract and one-block expand, as RFC 8291 uses them. */
const hmac = (key: Buffer, data: Buffer): Buffer => createHmac('sha256', key).update(data).digest();

/** RFC 8291 / RFC 8188 aes128gcm, one record: what the browser's push stack does. */
function decrypt(body: Buffer, browser: BrowserSubscription): Buffer {
  const salt = body.subarray(0, 16);
  const idLength = body[20];
  const serverKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  const ecdhSecret = browser.ecdh.computeSecret(serverKey);
  const keyInfo = Buffer.concat([
    Buffer.from('WebPush: info\0'),
    browser.ecdh.getPublicKey(),
    serverKey,
    Buffer.from([1]),
  ]);
  const ikm = hmac(hmac(browser.authSecret, ecdhSecret), keyInfo);
  const prk = hmac(salt, ikm);
  const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01')).subarray(0, 16);
  const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01')).subarray(0, 12);
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  // The last record ends with the delimiter 0x02, then any zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.subarray(0, end);
}

/** `Authorization: vapid t=<JWT>, k=<public key>`: an ES256 JWT for this push service's origin. */
function verifyVapid(
  authorization: string | undefined,
  origin: string,
): { aud: string; exp: number; sub: string; k: string } {
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(authorization ?? '');
  if (!match) throw new Error(`no VAPID authorization: ${authorization}`);
  const [token, k] = [match[1], match[2]];
  const [header, claims, signature] = token.split('.');
  const point = Buffer.from(k, 'base64url');
  const publicKey = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const signed = verify(
    'sha256',
    Buffer.from(`${header}.${claims}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) throw new Error('VAPID signature does not verify');
  const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg: string };
  const body = JSON.parse(Buffer.from(claims, 'base64url').toString()) as {
    aud: string;
    exp: number;
    sub: string;
  };
  if (alg !== 'ES256') throw new Error(`VAPID alg ${alg}`);
  if (body.aud !== origin) throw new Error(`VAPID aud ${body.aud}`);
  if (!(body.exp * 1000 > Date.now() && body.exp * 1000 <= Date.now() + 24 * 3600 * 1000)) {
    throw new Error('VAPID exp out of range');
  }
  return { ...body, k };
}
