import { UnsubscribeTokens } from '../../src/email/unsubscribe-tokens';
import type { Response } from 'supertest';
import type { ErrorBody } from '../../src/common/http/error-status.mapping';
import type { Test } from 'supertest';
import type { TestApp } from './app.fixture';
import { uploaded } from './attachments.helpers';
import { createChat } from './chats.helpers';
import { ERROR_KEYS } from './errors.helpers';
import { png } from './media.fixtures';
import { API, send } from './messages.helpers';
import { chromeSubscription } from './push.helpers';
import { registerNamed, registerUser, TestUser, uniqueUsername } from './users.helpers';

/**
 * Every hostile value into every field of every route and socket event, one field at a time, the
 * other fields valid. The routes and their fields come from the app's OpenAPI document, the events
 * and theirs from its AsyncAPI document, so a new route, event or field is covered without an edit
 * here (a new route or event needs a baseline below, or the suites fail). A case passes with a 4xx
 * in the contract's error shape, or with a 2xx, where a stored text reads back byte-identical (a
 * null in an optional field means "not given": its default is stored). NUL and
 * unpaired surrogates (which PostgreSQL cannot store) must be a 400 validation_failed naming the field.
 * The suites: test/hostile-input-routes.e2e-spec.ts and test/hostile-input-events.e2e-spec.ts.
 * The rest of hostile input: test/security-tokens.e2e-spec.ts (tokens) and
 * test/security-input.e2e-spec.ts (broken JSON, sizes, ids).
 */

/** JSON nested too deep for JSON.stringify in a test process: spliced into the text as it is. */
class DeepJson {
  readonly text: string;
  constructor(readonly depth: number) {
    this.text = `${'['.repeat(depth)}"x"${']'.repeat(depth)}`;
  }
}

const SPLICE = '\u0000deep\u0000';

/** JSON text of a body or payload, a DeepJson spliced in where it stands. */
export function toJson(value: unknown): string {
  let deep: DeepJson | undefined;
  const text = JSON.stringify(value, (_, item: unknown) => {
    if (!(item instanceof DeepJson)) return item;
    deep = item;
    return SPLICE;
  });
  return deep ? text.replace(JSON.stringify(SPLICE), deep.text) : text;
}

export interface Hostile {
  label: string;
  value: unknown;
  /** PostgreSQL cannot store it: always 400 validation_failed naming the field. */
  unstorable?: boolean;
}

export const HOSTILE: Hostile[] = [
  { label: 'NUL', value: 'a\u0000b', unstorable: true },
  { label: 'a lone high surrogate', value: 'a\uD83Db', unstorable: true },
  { label: 'a lone low surrogate', value: 'a\uDC08b', unstorable: true },
  { label: 'the noncharacters U+FFFF U+FFFE', value: 'a\uFFFF\uFFFEb' },
  // Counted 64 and 200 by class-validator's Length, 128 and 400 by PostgreSQL's varchar(64), varchar(200).
  { label: '64 × a+U+FE0F', value: 'a\uFE0F'.repeat(64) },
  { label: '200 × a+U+FE0F', value: 'a\uFE0F'.repeat(200) },
  { label: '5000 characters', value: 'я'.repeat(5000) },
  { label: 'RTL override and zero-width marks', value: '\u202Eкот\u200B\u200C\u200D\u200F\u2066x\u2069' },
  { label: 'emoji ZWJ sequences', value: '👩‍👩‍👧‍👦🐈‍⬛🏳️‍🌈' },
  { label: 'LIKE wildcards and backslashes', value: '%_\\%\\_\\\\' },
  { label: 'JSON-ish text', value: '{"chat_id":1,"$gt":""}]' },
  { label: 'SQL', value: "1' OR '1'='1'; --" },
  { label: 'an empty string', value: '' },
  { label: 'a number', value: 987_654 },
  { label: 'a boolean', value: true },
  { label: 'null', value: null },
  { label: 'an array', value: ['a', 'b'] },
  { label: 'an object', value: { $ne: 1 } },
  { label: '10 000 levels of nesting', value: new DeepJson(10_000) },
];

/** What a response must not carry: a stack frame, SQL, a driver's error. */
const LEAK = /at \w+ \(|node_modules|QueryFailedError|SELECT |INSERT |UPDATE |syntax error|violates/;

/** Percent-encodes a string's UTF-16 code units as (WTF-8) bytes, a lone surrogate included. */
function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    if (/^[A-Za-z0-9\-_.~]$/.test(char)) {
      out += char;
      continue;
    }
    const code = char.codePointAt(0)!;
    const bytes =
      code < 0x80
        ? [code]
        : code < 0x800
          ? [0xc0 | (code >> 6), 0x80 | (code & 63)]
          : code < 0x10000
            ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63)]
            : [
                0xf0 | (code >> 18),
                0x80 | ((code >> 12) & 63),
                0x80 | ((code >> 6) & 63),
                0x80 | (code & 63),
              ];
    out += bytes.map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

/** A query parameter as a browser or qs would write it: arrays repeated, objects bracketed. */
export function queryPair(name: string, value: unknown): string {
  if (value instanceof DeepJson) return `${name}${'[0]'.repeat(40)}=x`;
  if (Array.isArray(value)) return value.map((item) => `${name}=${percentEncode(String(item))}`).join('&');
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .map(([key, item]) => `${name}[${percentEncode(key)}]=${percentEncode(String(item))}`)
      .join('&');
  }
  return `${name}=${typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? percentEncode(String(value)) : ''}`;
}

export const pathSegment = (value: unknown): string =>
  percentEncode(typeof value === 'string' ? value : toJson(value));

export interface Fixture {
  owner: TestUser;
  member: TestUser;
  outsider: TestUser;
  chatId: number;
  /** Written by the owner, for the edit routes. */
  messageId: number;
  /** Uploaded by the owner, with the query of its signed URL. */
  attachmentId: number;
  attachmentQuery: Input;
  /** Named in MODERATOR_USERNAMES when the app has one (else a plain user): calls the moderation routes. */
  moderator: TestUser;
  /** Written by the owner, for the moderators' delete. */
  spareMessageId: number;
  /** Filed by the member about the spare message. */
  reportId: number;
  /** For the moderators to ban and unban. */
  banTarget: TestUser;
  /** An invite link to the chat, made by the owner. */
  inviteCode: string;
  /** The token of the outsider's digest unsubscribe link. */
  unsubscribeToken: string;
}

export type Input = Record<string, unknown>;

interface RouteCase {
  anonymous?: boolean;
  /** Called by the fixture's moderator rather than its owner. */
  moderator?: boolean;
  params?: (f: Fixture) => Input;
  query?: (f: Fixture) => Input;
  body?: (f: Fixture) => Input | Promise<Input>;
  /** A multipart/form-data body instead of JSON: Buffers are sent as file parts. */
  form?: () => Input | Promise<Input>;
  /** The fields the route stores, as read back after a 2xx (`sent` is the body sent). */
  stored?: (f: Fixture, res: Response, sent: Input) => Promise<Input>;
}

async function storedMessage(t: TestApp, f: Fixture, id: number): Promise<Input> {
  const res = await t.http().get(`${API}/chats/${f.chatId}/messages`).query({ limit: 100 }).set(f.owner.auth);
  expect(res.status).toBe(200);
  return (res.body as { items: Input[] }).items.find((message) => message.id === id) ?? {};
}

export function routes(t: TestApp): Record<string, RouteCase> {
  const chat = (f: Fixture) => ({ chat_id: f.chatId });
  const message = (f: Fixture) => ({ chat_id: f.chatId, message_id: f.messageId });
  const refreshToken = async (f: Fixture) => {
    const res = await t
      .http()
      .post(`${API}/auth/login`)
      .send({ username: f.outsider.username, password: f.outsider.password });
    return { refresh_token: (res.body as { refresh_token: string }).refresh_token };
  };
  return {
    'GET /metrics': { anonymous: true },
    'GET /health/live': { anonymous: true },
    'GET /health/ready': { anonymous: true },
    'POST /api/v1/auth/register': {
      anonymous: true,
      body: () => ({
        username: uniqueUsername('h'),
        password: 'correct horse battery',
        display_name: 'Hostile',
      }),
      stored: async (_, res, sent) => {
        const { user, access_token } = res.body as { user: { username: string }; access_token: string };
        const me = await t.http().get(`${API}/users/me`).set('Authorization', `Bearer ${access_token}`);
        const login = await t
          .http()
          .post(`${API}/auth/login`)
          .send({ username: user.username, password: sent.password });
        return {
          ...(me.body as Input),
          password: login.status === 200 ? sent.password : `login: ${login.status}`,
        };
      },
    },
    'POST /api/v1/auth/login': {
      anonymous: true,
      body: (f) => ({ username: f.outsider.username, password: f.outsider.password }),
    },
    'POST /api/v1/auth/refresh': { anonymous: true, body: refreshToken },
    'POST /api/v1/auth/logout': { anonymous: true, body: refreshToken },
    'GET /api/v1/users/me': {},
    'PATCH /api/v1/users/me': {
      body: () => ({ display_name: 'Hostile' }),
      stored: async (f) => (await t.http().get(`${API}/users/me`).set(f.owner.auth)).body as Input,
    },
    'GET /api/v1/users/me/settings': {},
    'PATCH /api/v1/users/me/settings': {
      body: () => ({ email: 'hostile@example.org', email_digest: 'daily', locale: 'en' }),
    },
    'GET /api/v1/email/unsubscribe': { anonymous: true, query: (f) => ({ token: f.unsubscribeToken }) },
    'POST /api/v1/email/unsubscribe': { anonymous: true, query: (f) => ({ token: f.unsubscribeToken }) },
    'GET /api/v1/users': { query: () => ({ search: 'h', limit: 5 }) },
    'GET /api/v1/users/me/blocks': {},
    'PUT /api/v1/users/me/blocks/{user_id}': { params: (f) => ({ user_id: f.outsider.id }) },
    'DELETE /api/v1/users/me/blocks/{user_id}': { params: (f) => ({ user_id: f.outsider.id }) },
    'GET /api/v1/chats': { query: () => ({ chat_type: 'other', limit: 5 }) },
    'GET /api/v1/messages/search': { query: () => ({ query: 'h', chat_type: 'other', limit: 5 }) },
    'POST /api/v1/chats': {
      body: (f) => ({ member_ids: [f.member.id], chat_type: 'seeker', title: 'Hostile' }),
      stored: async (f, res) => {
        const id = (res.body as { id: number }).id;
        const stored = await t.http().get(`${API}/chats/${id}`).set(f.owner.auth);
        // Frees the member set for the next case (one live chat per type and members).
        await t.http().delete(`${API}/chats/${id}`).set(f.owner.auth).expect(204);
        return stored.body as Input;
      },
    },
    'GET /api/v1/chats/{chat_id}': { params: chat },
    'PATCH /api/v1/chats/{chat_id}': {
      params: chat,
      body: () => ({ title: 'Hostile' }),
      stored: async (f) => (await t.http().get(`${API}/chats/${f.chatId}`).set(f.owner.auth)).body as Input,
    },
    'DELETE /api/v1/chats/{chat_id}': { params: chat },
    'GET /api/v1/chats/{chat_id}/members': { params: chat },
    'POST /api/v1/chats/{chat_id}/members/{user_id}': {
      params: (f) => ({ chat_id: f.chatId, user_id: f.outsider.id }),
    },
    'PATCH /api/v1/chats/{chat_id}/members/{user_id}': {
      params: (f) => ({ chat_id: f.chatId, user_id: f.member.id }),
      body: () => ({ role: 'member' }),
    },
    'DELETE /api/v1/chats/{chat_id}/members/{user_id}': {
      params: (f) => ({ chat_id: f.chatId, user_id: f.member.id }),
    },
    'GET /api/v1/chats/{chat_id}/messages': {
      params: chat,
      query: () => ({ sort: 'asc', before: 1000, after: 0, limit: 5, query: 'hi' }),
    },
    'POST /api/v1/chats/{chat_id}/messages': {
      params: chat,
      body: () => ({ content: 'Hostile', client_message_id: `h-${Math.random()}` }),
      stored: (f, res) => storedMessage(t, f, (res.body as { id: number }).id),
    },
    'PATCH /api/v1/chats/{chat_id}/messages/{message_id}': {
      params: message,
      body: () => ({ content: 'Hostile' }),
      stored: (f) => storedMessage(t, f, f.messageId),
    },
    'DELETE /api/v1/chats/{chat_id}/messages/{message_id}': { params: message },
    'GET /api/v1/chats/{chat_id}/unread': { params: chat },
    'PATCH /api/v1/chats/{chat_id}/unread': { params: chat, body: () => ({ up_to_seq: 1 }) },
    'GET /api/v1/chats/{chat_id}/messages/{message_id}/reads': { params: message },
    'PUT /api/v1/chats/{chat_id}/messages/{message_id}/reactions/{emoji}': {
      params: (f) => ({ ...message(f), emoji: '👍' }),
    },
    'DELETE /api/v1/chats/{chat_id}/messages/{message_id}/reactions/{emoji}': {
      params: (f) => ({ ...message(f), emoji: '👍' }),
    },
    'GET /api/v1/chats/{chat_id}/pins': { params: chat },
    'PUT /api/v1/chats/{chat_id}/pins/{message_id}': { params: message },
    'DELETE /api/v1/chats/{chat_id}/pins/{message_id}': { params: message },
    'POST /api/v1/chats/{chat_id}/invites': {
      params: chat,
      body: () => ({ expires_in_seconds: 3600, max_uses: 5 }),
    },
    'GET /api/v1/chats/{chat_id}/invites': { params: chat },
    'DELETE /api/v1/chats/{chat_id}/invites/{code}': {
      params: (f) => ({ chat_id: f.chatId, code: f.inviteCode }),
    },
    'GET /api/v1/invites/{code}': { params: (f) => ({ code: f.inviteCode }) },
    'POST /api/v1/invites/{code}/join': { params: (f) => ({ code: f.inviteCode }) },
    'GET /api/v1/chats/public': { query: () => ({ query: 'h', chat_type: 'vet', limit: 5 }) },
    'POST /api/v1/chats/{chat_id}/join': { params: chat },
    'PUT /api/v1/chats/{chat_id}/notifications': {
      params: chat,
      body: () => ({ level: 'mentions', muted_until: null }),
    },
    'GET /api/v1/push/vapid-public-key': { anonymous: true },
    'POST /api/v1/push/subscriptions': { body: () => chromeSubscription() },
    'DELETE /api/v1/push/subscriptions/{id}': { params: () => ({ id: 2_147_483_647 }) },
    'POST /api/v1/attachments': { form: async () => ({ file: await png(8, 8), kind: 'image' }) },
    'GET /api/v1/attachments/{attachment_id}': { params: (f) => ({ attachment_id: f.attachmentId }) },
    'POST /api/v1/reports': {
      body: (f) => ({ reason: 'spam', comment: 'Hostile', message_id: f.messageId }),
    },
    'GET /api/v1/moderation/reports': {
      moderator: true,
      query: () => ({ status: 'open', limit: 5 }),
    },
    'PATCH /api/v1/moderation/reports/{report_id}': {
      moderator: true,
      params: (f) => ({ report_id: f.reportId }),
      body: () => ({ status: 'resolved' }),
    },
    'DELETE /api/v1/moderation/messages/{message_id}': {
      moderator: true,
      params: (f) => ({ message_id: f.spareMessageId }),
      query: () => ({ reason: 'Hostile' }),
    },
    'POST /api/v1/moderation/users/{user_id}/ban': {
      moderator: true,
      params: (f) => ({ user_id: f.banTarget.id }),
      body: () => ({ reason: 'Hostile' }),
    },
    'DELETE /api/v1/moderation/users/{user_id}/ban': {
      moderator: true,
      params: (f) => ({ user_id: f.banTarget.id }),
      query: () => ({ reason: 'Hostile' }),
    },
    'GET /api/v1/moderation/audit': { moderator: true, query: () => ({ limit: 5 }) },
    'GET /api/v1/attachments/{attachment_id}/content': {
      anonymous: true,
      params: (f) => ({ attachment_id: f.attachmentId }),
      query: (f) => f.attachmentQuery,
    },
  };
}

interface EventCase {
  payload: (f: Fixture) => Input;
  stored?: (f: Fixture, data: Input) => Promise<Input>;
}

export function events(t: TestApp): Record<string, EventCase> {
  return {
    'message:send': {
      payload: (f) => ({ chat_id: f.chatId, content: 'Hostile', client_message_id: `h-${Math.random()}` }),
      stored: (f, data) => storedMessage(t, f, data.id as number),
    },
    'message:edit': {
      payload: (f) => ({ chat_id: f.chatId, message_id: f.messageId, content: 'Hostile' }),
      stored: (f) => storedMessage(t, f, f.messageId),
    },
    'message:delete': { payload: (f) => ({ chat_id: f.chatId, message_id: 2_147_483_647 }) },
    'chat:read': { payload: (f) => ({ chat_id: f.chatId, up_to_seq: 1 }) },
    'chat:sync': { payload: (f) => ({ chat_id: f.chatId, after_seq: 0, limit: 5 }) },
    typing: { payload: (f) => ({ chat_id: f.chatId, is_typing: false }) },
    'message:react': {
      payload: (f) => ({ chat_id: f.chatId, message_id: f.messageId, emoji: '👍', on: true }),
    },
    'chat:pin': { payload: (f) => ({ chat_id: f.chatId, message_id: f.messageId, pinned: true }) },
  };
}

interface OpenApiParameter {
  in: 'path' | 'query' | 'header';
  name: string;
}
interface Schema {
  $ref?: string;
  properties?: Record<string, unknown>;
}
export interface OpenApi {
  paths: Record<
    string,
    Record<
      string,
      { parameters?: OpenApiParameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }
    >
  >;
  components: { schemas: Record<string, Schema> };
}
export interface AsyncApi {
  operations: Record<string, { action: string; title: string; messages: { $ref: string }[] }>;
  channels: Record<string, { messages: Record<string, { payload: Schema }> }>;
  components: { schemas: Record<string, Schema> };
}

type Location = 'path' | 'query' | 'body' | 'form';
export interface Field {
  name: string;
  in: Location;
}

const schemaFields = (schemas: Record<string, Schema>, schema: Schema | undefined): string[] => {
  const resolved = schema?.$ref ? schemas[schema.$ref.split('/').pop()!] : schema;
  return Object.keys(resolved?.properties ?? {});
};

/** `METHOD /path` → its fields, from the OpenAPI document. */
export function operations(doc: OpenApi): Map<string, Field[]> {
  const result = new Map<string, Field[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const fields: Field[] = (operation.parameters ?? [])
        .filter((parameter) => parameter.in === 'path' || parameter.in === 'query')
        .map((parameter) => ({ name: parameter.name, in: parameter.in as Location }));
      const body = operation.requestBody?.content['application/json']?.schema;
      for (const name of schemaFields(doc.components.schemas, body)) fields.push({ name, in: 'body' });
      const form = operation.requestBody?.content['multipart/form-data']?.schema;
      for (const name of schemaFields(doc.components.schemas, form)) fields.push({ name, in: 'form' });
      result.set(`${method.toUpperCase()} ${path}`, fields);
    }
  }
  return result;
}

/** Client event → its payload fields, from the AsyncAPI document. */
export function clientEvents(doc: AsyncApi): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const operation of Object.values(doc.operations)) {
    if (operation.action !== 'receive') continue;
    const [, , channel, , message] = operation.messages[0].$ref.split('/');
    const payload = doc.channels[channel].messages[message].payload;
    result.set(operation.title, schemaFields(doc.components.schemas, payload));
  }
  return result;
}

/** Why the answer to one hostile value is wrong, or undefined if it is right. */
export function verdictOf(
  status: number,
  body: unknown,
  field: string,
  hostile: Hostile,
  unstorableReachesApp: boolean,
): string | undefined {
  if (LEAK.test(JSON.stringify(body) ?? ''))
    return `${status} leaks internals: ${JSON.stringify(body).slice(0, 200)}`;
  if (status >= 500) return `${status} ${JSON.stringify(body)}`;
  if (hostile.unstorable && unstorableReachesApp) {
    const error = body as ErrorBody;
    const named =
      Array.isArray(error.details) &&
      (error.details as { field: string }[]).some(
        (detail) => detail.field === field || detail.field.startsWith(`${field}.`),
      );
    if (status !== 400 || error.code !== 'validation_failed' || !named) {
      return `expected 400 validation_failed naming ${field}, got ${status} ${JSON.stringify(body)}`;
    }
  }
  if (status >= 400) {
    const error = body as ErrorBody;
    const shaped =
      error?.status === status &&
      typeof error.code === 'string' &&
      typeof error.message === 'string' &&
      Object.keys(error).every((key) => ERROR_KEYS.includes(key));
    return shaped ? undefined : `${status} not in the error shape: ${JSON.stringify(body)}`;
  }
  return status >= 200 && status < 300 ? undefined : `unexpected ${status}`;
}

export const expectedStored = (value: unknown): unknown => (typeof value === 'string' ? value.trim() : value);

/**
 * The users and chat every case works on (the owner, a member and four more, one vet chat with a
 * message of the owner's), and the app's OpenAPI and AsyncAPI documents.
 */
export async function hostileFixture(
  t: TestApp,
): Promise<{ f: Fixture; others: TestUser[]; openApi: OpenApi; asyncApi: AsyncApi }> {
  const [owner, member, outsider, ...others] = await Promise.all(
    ['owner', 'member', 'outsider', 'm1', 'm2', 'm3', 'm4'].map((name) => registerUser(t, name)),
  );
  const [moderatorUsername] = t.config.moderatorUsernames;
  const [moderator, banTarget] = await Promise.all([
    moderatorUsername ? registerNamed(t, moderatorUsername) : registerUser(t, 'mod'),
    registerUser(t, 'target'),
  ]);
  const chatId = (await createChat(t, owner, [member, ...others], { chat_type: 'vet' })).id;
  const messageId = (await send(t, owner, chatId, 'edit me')).id;
  const spareMessageId = (await send(t, owner, chatId, 'moderate me')).id;
  const report = await t
    .http()
    .post(`${API}/reports`)
    .set(member.auth)
    .send({ reason: 'spam', message_id: spareMessageId })
    .expect(201);
  const attachment = await uploaded(t, owner, await png(8, 8));
  const attachmentQuery = Object.fromEntries(new URL(attachment.url, t.origin).searchParams);
  const invite = await t.http().post(`${API}/chats/${chatId}/invites`).set(owner.auth).send({}).expect(201);
  const inviteCode = (invite.body as { code: string }).code;
  const openApi = (await t.http().get('/docs/openapi.json').expect(200)).body as OpenApi;
  const asyncApi = (await t.http().get('/docs/asyncapi.json').expect(200)).body as AsyncApi;
  return {
    f: {
      owner,
      member,
      outsider,
      chatId,
      messageId,
      attachmentId: attachment.id,
      attachmentQuery,
      moderator,
      spareMessageId,
      reportId: (report.body as { id: number }).id,
      banTarget,
      inviteCode,
      unsubscribeToken: t.app.get(UnsubscribeTokens).sign(outsider.id),
    },
    others,
    openApi,
    asyncApi,
  };
}

/**
 * A multipart body of the form's fields: Buffers as file parts, everything else as text fields
 * the way a browser's FormData would carry it (null: left out, arrays repeated, objects and deep
 * JSON as their text).
 */
export function withForm(req: Test, form: Input): Test {
  for (const [name, value] of Object.entries(form)) {
    if (value === null || value === undefined) continue;
    if (Buffer.isBuffer(value)) req = req.attach(name, value, 'upload.png');
    else if (Array.isArray(value)) for (const item of value) req = req.field(name, String(item));
    else if (value instanceof DeepJson) req = req.field(name, value.text);
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      req = req.field(name, String(value));
    else req = req.field(name, JSON.stringify(value));
  }
  return req;
}
