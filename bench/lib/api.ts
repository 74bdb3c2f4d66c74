import { createHmac } from 'node:crypto';

/** The service's public REST API, for preparing scenarios (not for measuring). */
export interface BenchUser {
  id: number;
  username: string;
  token: string;
}

export const PASSWORD = 'bench password 1';

async function call<T>(
  origin: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${origin}/api/v1${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function register(origin: string, username: string): Promise<BenchUser> {
  const body = await call<{ user: { id: number; username: string }; access_token: string }>(
    origin,
    'POST',
    '/auth/register',
    undefined,
    { username, password: PASSWORD },
  );
  return { id: body.user.id, username: body.user.username, token: body.access_token };
}

/** Registers users a few at a time (argon2 hashing makes each one cost tens of ms). */
export async function registerMany(origin: string, prefix: string, count: number): Promise<BenchUser[]> {
  const users: BenchUser[] = new Array<BenchUser>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      users[index] = await register(origin, `${prefix}_${index}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return users;
}

export async function createChat(
  origin: string,
  owner: BenchUser,
  memberIds: number[],
  title?: string,
): Promise<number> {
  const chat = await call<{ id: number }>(origin, 'POST', '/chats', owner.token, {
    member_ids: memberIds,
    chat_type: 'other',
    ...(title ? { title } : {}),
  });
  return chat.id;
}

export function get<T>(origin: string, path: string, token: string): Promise<T> {
  return call<T>(origin, 'GET', path, token);
}

/** Sends a message over REST (`body`: the contract's send fields); the message's id. */
export async function sendMessage(
  origin: string,
  user: BenchUser,
  chatId: number,
  body: Record<string, unknown>,
): Promise<number> {
  return (await call<{ id: number }>(origin, 'POST', `/chats/${chatId}/messages`, user.token, body)).id;
}

/** Puts `user`'s reaction `emoji` on a message. */
export async function react(
  origin: string,
  user: BenchUser,
  chatId: number,
  messageId: number,
  emoji: string,
): Promise<void> {
  const path = `/chats/${chatId}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;
  await call(origin, 'PUT', path, user.token);
}

/** Uploads one file as `POST /attachments` (multipart); the attachment's id. */
export async function uploadAttachment(
  origin: string,
  token: string,
  body: Buffer,
  name: string,
  type: string,
): Promise<number> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(body)], { type }), name);
  const response = await fetch(`${origin}/api/v1/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`upload ${name}: ${response.status} ${text.slice(0, 200)}`);
  return (JSON.parse(text) as { id: number }).id;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * An access token with the claims /auth/login issues ({sub, username}, HS256), signed with the
 * secret the bench gave the service. Used only where logging in thousands of users would spend
 * minutes in argon2 (the connect scenario); the handshake verifies it exactly like a login's token.
 */
export function signToken(secret: string, userId: number, username: string, ttlSeconds = 86_400): string {
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ sub: userId, username, iat: now, exp: now + ttlSeconds }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/** The user id and name inside a token the bench or the service signed, if the signature holds. */
export function verifyToken(secret: string, token: string): { id: number; username: string } | null {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return null;
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  if (expected !== signature) return null;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
    sub: number;
    username: string;
    exp: number;
  };
  if (claims.exp * 1000 < Date.now()) return null;
  return { id: claims.sub, username: claims.username };
}
