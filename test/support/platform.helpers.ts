import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { TestApp } from './app.fixture';
import type { TestUser } from './users.helpers';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** The shared secret the test platform signs HS* tokens with (AUTH_EXTERNAL_JWT_SECRET). */
export const PLATFORM_SECRET = 'platform-secret-platform-secret-0123456789';
export const PLATFORM_ISSUER = 'https://id.rescue.test';
export const PLATFORM_AUDIENCE = 'rescue-chat';

export const platformId = (): string => randomBytes(6).toString('hex');

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function signingKey(alg: 'RS256' | 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`;
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/**
 * An OpenID Connect provider's JWKS endpoint: a real HTTP server serving the public keys of
 * `keys` (replaced to rotate them); counts the fetches.
 */
export class JwksServer {
  keys: SigningKey[] = [];
  fetches = 0;
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((_request, response) => {
      this.fetches += 1;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: this.keys.map((key) => key.jwk) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
    return this;
  }

  /** Stops serving, kept-alive connections included (the provider is down); closing twice is fine. */
  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

/** A token as the OIDC provider mints it: signed with `key`, its kid in the header, iss/aud/exp set. */
export function oidcToken(
  key: SigningKey,
  claims: JWTPayload,
  {
    issuer = PLATFORM_ISSUER,
    audience = PLATFORM_AUDIENCE,
    expiresIn = '5m',
  }: { issuer?: string; audience?: string; expiresIn?: string | number } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key.privateKey);
}

/** A token as the seed platform mints it: HS256 over {id, username, exp} with the shared secret (expiresIn null: no exp). */
export function platformToken(
  claims: Record<string, unknown>,
  {
    secret = PLATFORM_SECRET,
    alg = 'HS256',
    expiresIn = 300,
  }: { secret?: string; alg?: string; expiresIn?: number | null } = {},
): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' });
  if (expiresIn !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn);
  return jwt.sign(new TextEncoder().encode(secret));
}

export const bearer = (token: string): { Authorization: string } => ({ Authorization: `Bearer ${token}` });

/**
 * A platform user as the other helpers take one: made on first sight by GET /users/me with a
 * seed-platform token for these claims (its id a local user id; no password, no refresh token).
 */
export async function platformUser(
  t: TestApp,
  claims: Record<string, unknown>,
  expiresIn = 3600,
): Promise<TestUser> {
  const token = await platformToken(claims, { expiresIn });
  const res = await t.http().get('/api/v1/users/me').set(bearer(token));
  if (res.status !== 200)
    throw new Error(`platform token refused: ${res.status} ${JSON.stringify(res.body)}`);
  const user = res.body as { id: number; username: string; display_name: string };
  return { ...user, password: '', access_token: token, refresh_token: '', auth: bearer(token) };
}
