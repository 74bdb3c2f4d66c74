import { JwtService } from '@nestjs/jwt';
import type { ErrorBody } from '../src/common/http/error-body';
import { startApp, TEST_JWT_SECRET, TestApp } from './support/app';
import { createChat } from './support/chats';
import { API, MANY_REQUESTS, send } from './support/messages';
import { closeSockets, connectAs, refusal, request as ask, socketFor } from './support/sockets';
import { registerUser, TestUser, uniqueUsername } from './support/users';

const ERROR_KEYS = ['code', 'details', 'message', 'status'];

/** The contract's error shape, and nothing that leaks internals (stack, SQL, driver text). */
function expectErrorShape(body: unknown, status: number, code?: string): void {
  const error = body as ErrorBody;
  expect(error).toMatchObject({ status, code: code ?? expect.any(String), message: expect.any(String) });
  for (const key of Object.keys(error)) expect(ERROR_KEYS).toContain(key);
  expect(JSON.stringify(error)).not.toMatch(/at \w+ \(|SELECT |INSERT |QueryFailedError|node_modules/);
}

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe('hostile input (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let chatId: number;

  beforeAll(async () => {
    t = await startApp(MANY_REQUESTS);
    [alice, bob] = await Promise.all([registerUser(t, 'alice'), registerUser(t, 'bob')]);
    chatId = (await createChat(t, alice, [bob])).id;
  });
  afterEach(() => closeSockets());
  afterAll(() => t.close());

  describe('forged and expired access tokens', () => {
    const forgeries: [string, (user: TestUser) => string][] = [
      [
        'alg none',
        (user) =>
          `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: user.id, username: user.username, exp: nowSeconds() + 600 })}.`,
      ],
      [
        'a wrong secret',
        (user) =>
          new JwtService().sign(
            { sub: user.id, username: user.username },
            { secret: 'x'.repeat(48), expiresIn: 600 },
          ),
      ],
      [
        'another algorithm (HS512)',
        (user) =>
          new JwtService().sign(
            { sub: user.id, username: user.username },
            { secret: TEST_JWT_SECRET, algorithm: 'HS512', expiresIn: 600 },
          ),
      ],
      [
        'a tampered payload (sub swapped, signature kept)',
        (user) => {
          const [header, , signature] = user.access_token.split('.');
          return `${header}.${base64url({ sub: user.id + 1, username: user.username, exp: nowSeconds() + 600 })}.${signature}`;
        },
      ],
      [
        'an expired token',
        (user) =>
          new JwtService().sign(
            { sub: user.id, username: user.username, exp: nowSeconds() - 5 },
            { secret: TEST_JWT_SECRET },
          ),
      ],
      [
        'a token without sub',
        (user) =>
          new JwtService().sign({ username: user.username }, { secret: TEST_JWT_SECRET, expiresIn: 600 }),
      ],
      ['a refresh token', (user) => user.refresh_token],
      ['garbage', () => 'not.a.jwt'],
    ];

    it.each(forgeries)('refuses %s over HTTP with 401', async (name, forge) => {
      const res = await t
        .http()
        .get(`${API}/users/me`)
        .set('Authorization', `Bearer ${forge(alice)}`)
        .expect(401);
      expectErrorShape(res.body, 401, name === 'an expired token' ? 'token_expired' : 'unauthorized');
    });

    it.each(forgeries)('refuses %s at the socket handshake', async (_, forge) => {
      expect((await refusal(socketFor(t, { auth: { token: forge(alice) } }))).message).toBe('unauthorized');
    });

    it.each([
      ['Basic', () => 'Basic Zm9vOmJhcg=='],
      ['Bearer without a token', () => 'Bearer'],
      ['two tokens', () => 'Bearer a b'],
      ['no space after Bearer', (user: TestUser) => `bearer${user.access_token}`],
      ['another scheme', (user: TestUser) => `Token ${user.access_token}`],
    ])('refuses an Authorization header with %s', async (_, header) => {
      const res = await t.http().get(`${API}/users/me`).set('Authorization', header(alice)).expect(401);
      expectErrorShape(res.body, 401, 'unauthorized');
    });
  });

  describe('malformed bodies', () => {
    const postRaw = (raw: string, type = 'application/json') =>
      t.http().post(`${API}/chats/${chatId}/messages`).set(alice.auth).set('Content-Type', type).send(raw);
    const routes = (): [string, string][] => [
      ['POST', `${API}/auth/register`],
      ['POST', `${API}/auth/login`],
      ['POST', `${API}/chats`],
      ['POST', `${API}/chats/${chatId}/messages`],
      ['PATCH', `${API}/chats/${chatId}`],
    ];

    it.each(['{"content": ', '{content: "x"}', "{'content': 'x'}", '{"content": "x",}', '\u0000'])(
      'answers the broken JSON %p with 400 bad_request on every body route',
      async (raw) => {
        for (const [method, path] of routes()) {
          const res = await t
            .http()
            [method === 'POST' ? 'post' : 'patch'](path)
            .set(alice.auth)
            .set('Content-Type', 'application/json')
            .send(raw);
          expect({ path, status: res.status }).toEqual({ path, status: 400 });
          expectErrorShape(res.body, 400, 'bad_request');
        }
      },
    );

    it.each(['[]', '"text"', '42', 'null', '[{"content": "x"}]'])(
      'answers the JSON %s (not an object) with 400',
      async (raw) => {
        const res = await postRaw(raw);
        expect(res.status).toBe(400);
        expectErrorShape(res.body, 400);
      },
    );

    it('lets no __proto__ or constructor key through to an object (dropped, never merged)', async () => {
      for (const raw of [
        '{"content": "proto", "__proto__": {"admin": true}}',
        '{"content": "ctor", "constructor": {"prototype": {"admin": true}}}',
      ]) {
        const res = await postRaw(raw);
        expect([201, 400]).toContain(res.status);
        if (res.status === 201) expect(Object.keys(res.body as object)).not.toContain('admin');
      }
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });

    it('refuses a body that is not JSON (text/plain, form) as invalid input, not as a crash', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const res = await postRaw('content=x', type);
        expect(res.status).toBe(400);
        expectErrorShape(res.body, 400, 'validation_failed');
      }
    });
  });

  describe('oversized payloads', () => {
    it('answers a JSON body over 64 KB with 413 payload_too_large on any route, before authentication', async () => {
      const big = { content: 'x'.repeat(70 * 1024) };
      for (const [path, auth] of [
        [`${API}/chats/${chatId}/messages`, alice.auth],
        [`${API}/auth/register`, {}],
        [`${API}/chats/${chatId}/messages`, {}],
      ] as const) {
        const res = await t.http().post(path).set(auth).send(big).expect(413);
        expectErrorShape(res.body, 413, 'payload_too_large');
      }
    });

    it('refuses a message of 4001 characters with 400 naming content, and takes one of 4000', async () => {
      const res = await t
        .http()
        .post(`${API}/chats/${chatId}/messages`)
        .set(alice.auth)
        .send({ content: 'я'.repeat(4001) });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'content' })]),
      );
      await t
        .http()
        .post(`${API}/chats/${chatId}/messages`)
        .set(alice.auth)
        .send({ content: 'я'.repeat(4000) })
        .expect(201);
    });

    it('drops a socket whose packet is over the limit, and keeps serving others', async () => {
      const socket = await connectAs(t, alice);
      const dropped = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      socket.emit('message:send', { chat_id: chatId, content: 'x'.repeat(200 * 1024) }, () => undefined);
      expect(await dropped).toBe('transport close');
      const other = await connectAs(t, bob);
      expect((await ask(other, 'message:send', { chat_id: chatId, content: 'still here' })).ok).toBe(true);
    });
  });

  describe('content that looks like code is data', () => {
    const verbatim = [
      "'; DROP TABLE messages; --",
      "Robert'); DELETE FROM users WHERE ('1'='1",
      '1 OR 1=1; SELECT * FROM refresh_tokens',
      '<script>alert(document.cookie)</script>',
      '<img src=x onerror="alert(1)"> &amp; &lt;b&gt;',
      '{{constructor.constructor("return process")()}} ${process.env.JWT_SECRET}',
      '%_\\ LIKE wildcards and a backslash \\',
      'Кошка 🐈‍⬛ «у подъезда» — نجاة 猫',
    ];

    it.each(verbatim)('stores and returns %p verbatim over REST and sockets', async (text) => {
      const sent = await send(t, alice, chatId, text);
      expect(sent.content).toBe(text);
      const res = await t
        .http()
        .get(`${API}/chats/${chatId}/messages`)
        .query({ limit: 1 })
        .set(bob.auth)
        .expect(200);
      expect((res.body as { items: { id: number; content: string }[] }).items[0]).toMatchObject({
        id: sent.id,
        content: text,
      });
      const socket = await connectAs(t, bob);
      const ack = await ask(socket, 'message:send', { chat_id: chatId, content: text });
      expect(ack).toEqual({ ok: true, data: expect.objectContaining({ content: text }) });
    });

    it('keeps HTML and SQL in display names and titles as they were typed', async () => {
      const name = '<b>Оля</b> "; DROP TABLE users; --';
      const user = await registerUser(t, 'html', name);
      expect(user.display_name).toBe(name);
      const chat = await createChat(t, user, [alice], { title: "<script>x</script>' OR '1'='1" });
      expect(chat.title).toBe("<script>x</script>' OR '1'='1");
      const res = await t.http().get(`${API}/chats/${chat.id}`).set(alice.auth).expect(200);
      expect(res.body.title).toBe("<script>x</script>' OR '1'='1");
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    });

    it('treats % and _ in searches as plain characters, and SQL in them as words', async () => {
      for (const search of ['%', '_', "' OR '1'='1"]) {
        const res = await t.http().get(`${API}/users`).query({ search }).set(alice.auth).expect(200);
        for (const user of (res.body as { items: { username: string; display_name: string }[] }).items) {
          expect(`${user.username} ${user.display_name}`).toContain(search);
        }
        const found = await t
          .http()
          .get(`${API}/chats/${chatId}/messages`)
          .query({ query: search })
          .set(alice.auth);
        expect(found.status).toBe(200);
        for (const message of (found.body as { items: { content: string }[] }).items) {
          expect(message.content.toLowerCase()).toContain(search.toLowerCase());
        }
      }
    });

    it('refuses a NUL character (PostgreSQL text cannot hold it) with 400, not 500', async () => {
      const res = await t
        .http()
        .post(`${API}/chats/${chatId}/messages`)
        .set(alice.auth)
        .send({ content: 'a\u0000b' });
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 400, 'validation_failed');
    });
  });

  describe('ids out of range', () => {
    const BAD = [
      '0',
      '-1',
      '2147483648',
      '99999999999999999999',
      '1.5',
      '1e3',
      '0x10',
      'abc',
      '%20',
      '1;DROP',
    ];

    it.each(BAD)('answers the path id %p with 400 on every chat route', async (bad) => {
      for (const path of [
        `${API}/chats/${bad}`,
        `${API}/chats/${bad}/members`,
        `${API}/chats/${bad}/messages`,
        `${API}/chats/${chatId}/messages/${bad}/reads`,
        `${API}/chats/${chatId}/members/${bad}`,
      ]) {
        const method = path.endsWith(`/members/${bad}`) ? 'delete' : 'get';
        const res = await t.http()[method](path).set(alice.auth);
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
        expectErrorShape(res.body, 400, 'validation_failed');
      }
    });

    it('answers the largest id that does not exist with 404', async () => {
      const res = await t.http().get(`${API}/chats/2147483647`).set(alice.auth).expect(404);
      expectErrorShape(res.body, 404);
    });

    it.each([2147483648, -1, 0, 1.5, '7', null])('refuses the body id %p with 400', async (bad) => {
      const res = await t
        .http()
        .post(`${API}/chats`)
        .set(alice.auth)
        .send({ member_ids: [bad] });
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 400, 'validation_failed');
    });

    it.each([2147483648, -1, 0, 1.5, '7', null])(
      'refuses the socket chat_id %p with a 400 ack',
      async (bad) => {
        const socket = await connectAs(t, alice);
        const ack = await ask(socket, 'message:send', { chat_id: bad, content: 'x' });
        expect(ack).toEqual({
          ok: false,
          error: expect.objectContaining({ status: 400, code: 'validation_failed' }),
        });
      },
    );

    it.each(['0', '101', 'abc', '-5', '1e2', ''])('answers the limit %p with 400', async (limit) => {
      const res = await t.http().get(`${API}/chats/${chatId}/messages`).query({ limit }).set(alice.auth);
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 400, 'validation_failed');
    });
  });

  describe('unknown routes', () => {
    it.each([`${API}/nothing-here`, `${API}/chats/1/unknown`, '/api/v2/chats', '/.env', '/admin'])(
      'answers %s with 404 in the error shape, for anyone',
      async (path) => {
        for (const auth of [{}, alice.auth]) {
          const res = await t.http().get(path).set(auth).expect(404);
          expectErrorShape(res.body, 404, 'not_found');
        }
      },
    );
  });

  describe('response headers', () => {
    it('sends helmet headers, a request id, and no X-Powered-By', async () => {
      const res = await t.http().get('/health/live').expect(200);
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      });
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers['x-powered-by']).toBeUndefined();
    });
  });
});

describe('CORS from configuration (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ ...MANY_REQUESTS, CORS_ORIGINS: 'https://rescue.example.org' });
  });
  afterAll(() => t.close());

  it('allows a listed origin, with credentials, and exposes X-Request-Id', async () => {
    const res = await t
      .http()
      .options(`${API}/users/me`)
      .set('Origin', 'https://rescue.example.org')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(res.status).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBe('https://rescue.example.org');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    const get = await t.http().get('/health/live').set('Origin', 'https://rescue.example.org');
    expect(get.headers['access-control-expose-headers']).toContain('X-Request-Id');
  });

  it('does not allow another origin', async () => {
    const res = await t.http().get('/health/live').set('Origin', 'https://evil.example.com');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('rate limits (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ AUTH_RATE_LIMIT_MAX: '2', RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_SECONDS: '60' });
  });
  afterAll(() => t.close());

  const login = (ip?: string) => {
    const req = t
      .http()
      .post(`${API}/auth/login`)
      .send({ username: 'nobody_here', password: 'wrong password' });
    return ip ? req.set('X-Forwarded-For', ip) : req;
  };

  it('answers the third login within the window with 429 rate_limited and Retry-After', async () => {
    await login().expect(401);
    await login().expect(401);
    const res = await login().expect(429);
    expect(res.body).toEqual({
      status: 429,
      code: 'rate_limited',
      message: expect.any(String),
      details: { retry_after_ms: expect.any(Number), retry_after_seconds: expect.any(Number) },
    });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('counts register on its own stricter budget', async () => {
    const body = () => ({ username: uniqueUsername('rl'), password: 'password123' });
    await t.http().post(`${API}/auth/register`).send(body()).expect(201);
    await t.http().post(`${API}/auth/register`).send(body()).expect(201);
    const res = await t.http().post(`${API}/auth/register`).send(body()).expect(429);
    expectErrorShape(res.body, 429, 'rate_limited');
  });

  it('limits other routes at RATE_LIMIT_MAX, before authentication', async () => {
    for (let n = 0; n < 5; n += 1) await t.http().get(`${API}/users/me`).expect(401);
    const res = await t.http().get(`${API}/users/me`).expect(429);
    expectErrorShape(res.body, 429, 'rate_limited');
  });

  it('never limits health probes or metric scrapes', async () => {
    for (let n = 0; n < 12; n += 1) {
      await t.http().get('/health/live').expect(200);
      await t.http().get('/health/ready').expect(200);
      await t.http().get('/metrics').expect(200);
    }
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY says so: a client cannot pick a fresh address', async () => {
    const res = await login('203.0.113.7').expect(429);
    expectErrorShape(res.body, 429, 'rate_limited');
  });

  describe('behind a trusted proxy', () => {
    let proxied: TestApp;

    beforeAll(async () => {
      proxied = await startApp({ AUTH_RATE_LIMIT_MAX: '1', TRUST_PROXY: 'loopback' });
    });
    afterAll(() => proxied.close());

    it('counts each forwarded client address on its own', async () => {
      const attempt = (ip: string) =>
        proxied
          .http()
          .post(`${API}/auth/login`)
          .set('X-Forwarded-For', ip)
          .send({ username: 'nobody_here', password: 'wrong password' });
      await attempt('198.51.100.1').expect(401);
      await attempt('198.51.100.1').expect(429);
      await attempt('198.51.100.2').expect(401);
    });
  });
});
