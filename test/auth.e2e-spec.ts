import { JwtService } from '@nestjs/jwt';
import { startApp, TEST_JWT_SECRET, TestApp } from './support/app';
import { failInserts } from './support/failing-trigger';
import { registerUser, uniqueUsername } from './support/users';

const API = '/api/v1';

describe('auth and users (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  describe('POST /auth/register', () => {
    it('creates a user, folds the username to lower case and defaults display_name', async () => {
      const name = uniqueUsername('Anna');
      const res = await t
        .http()
        .post(`${API}/auth/register`)
        .send({ username: name, password: 'password123' })
        .expect(201);
      expect(res.body).toEqual({
        user: { id: expect.any(Number), username: name.toLowerCase(), display_name: name.toLowerCase() },
        access_token: expect.any(String),
        refresh_token: expect.any(String),
        expires_in: 900,
      });
      expect(JSON.stringify(res.body)).not.toMatch(/hash/i);
    });

    it('keeps a given display_name', async () => {
      const res = await t
        .http()
        .post(`${API}/auth/register`)
        .send({ username: uniqueUsername(), password: 'password123', display_name: '  Ветеринар Оля ' })
        .expect(201);
      expect(res.body.user.display_name).toBe('Ветеринар Оля');
    });

    it('answers 409 username_taken for a taken username, whatever its case', async () => {
      const user = await registerUser(t);
      const res = await t
        .http()
        .post(`${API}/auth/register`)
        .send({ username: user.username.toUpperCase(), password: 'password123' })
        .expect(409);
      expect(res.body).toEqual({ status: 409, code: 'username_taken', message: expect.any(String) });
    });

    it.each([
      ['a too short username', { username: 'ab', password: 'password123' }, 'username'],
      ['a too long username', { username: 'a'.repeat(33), password: 'password123' }, 'username'],
      ['a username with spaces', { username: 'anna k', password: 'password123' }, 'username'],
      ['a username with Cyrillic', { username: 'анна', password: 'password123' }, 'username'],
      ['a short password', { username: 'valid_name', password: 'short' }, 'password'],
      ['a too long password', { username: 'valid_name', password: 'x'.repeat(129) }, 'password'],
      ['a non-string password', { username: 'valid_name', password: 12345678 }, 'password'],
      ['a missing username', { password: 'password123' }, 'username'],
      [
        'an empty display_name',
        { username: 'valid_name', password: 'password123', display_name: '  ' },
        'display_name',
      ],
      ['an unknown field', { username: 'valid_name', password: 'password123', is_admin: true }, 'is_admin'],
    ])('rejects %s with 400 naming the field', async (_, body, field) => {
      const res = await t.http().post(`${API}/auth/register`).send(body).expect(400);
      expect(res.body.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });

    it('answers malformed JSON with 400 in the error shape', async () => {
      const res = await t
        .http()
        .post(`${API}/auth/register`)
        .set('Content-Type', 'application/json')
        .send('{"username": ')
        .expect(400);
      expect(res.body).toEqual({ status: 400, code: 'bad_request', message: expect.any(String) });
    });
  });

  describe('POST /auth/login', () => {
    it('logs in with the right password, in any case of the username', async () => {
      const user = await registerUser(t);
      const res = await t
        .http()
        .post(`${API}/auth/login`)
        .send({ username: user.username.toUpperCase(), password: user.password })
        .expect(200);
      expect(res.body.user).toEqual({
        id: user.id,
        username: user.username,
        display_name: user.display_name,
      });
      expect(res.body.access_token).toEqual(expect.any(String));
      expect(res.body.refresh_token).not.toBe(user.refresh_token);
    });

    it('gives the same 401 for a wrong password and an unknown username', async () => {
      const user = await registerUser(t);
      const wrong = await t
        .http()
        .post(`${API}/auth/login`)
        .send({ username: user.username, password: 'wrong password' })
        .expect(401);
      const unknown = await t
        .http()
        .post(`${API}/auth/login`)
        .send({ username: uniqueUsername(), password: 'whatever1' })
        .expect(401);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.body).toEqual({ status: 401, code: 'invalid_credentials', message: expect.any(String) });
    });

    it('rejects a missing password with 400', async () => {
      const res = await t.http().post(`${API}/auth/login`).send({ username: 'someone' }).expect(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'password' })]);
    });
  });

  describe('POST /auth/refresh and /auth/logout', () => {
    it('rotates: a new pair comes back and the old refresh token stops working', async () => {
      const user = await registerUser(t);
      const first = await t
        .http()
        .post(`${API}/auth/refresh`)
        .send({ refresh_token: user.refresh_token })
        .expect(200);
      expect(first.body.user.id).toBe(user.id);
      expect(first.body.refresh_token).not.toBe(user.refresh_token);
      await t
        .http()
        .get(`${API}/users/me`)
        .set('Authorization', `Bearer ${first.body.access_token}`)
        .expect(200);

      const second = await t
        .http()
        .post(`${API}/auth/refresh`)
        .send({ refresh_token: first.body.refresh_token })
        .expect(200);
      expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    });

    it('revokes the whole login when a rotated token is used again', async () => {
      const user = await registerUser(t);
      const rotated = await t
        .http()
        .post(`${API}/auth/refresh`)
        .send({ refresh_token: user.refresh_token })
        .expect(200);

      const reuse = await t
        .http()
        .post(`${API}/auth/refresh`)
        .send({ refresh_token: user.refresh_token })
        .expect(401);
      expect(reuse.body.code).toBe('invalid_refresh_token');
      // The legitimate newest token of that login is dead too.
      await t
        .http()
        .post(`${API}/auth/refresh`)
        .send({ refresh_token: rotated.body.refresh_token })
        .expect(401);
    });

    it('keeps the login when the successor token cannot be stored: the old token still refreshes', async () => {
      const user = await registerUser(t);
      const restore = await failInserts(t.db, 'refresh_tokens', `NEW.user_id = ${user.id}`);
      try {
        const failed = await t.http().post(`${API}/auth/refresh`).send({ refresh_token: user.refresh_token });
        expect(failed.status).toBe(500);
      } finally {
        await restore();
      }
      const retried = await t
        .http()
        .post(`${API}/auth/refresh`)
        .send({ refresh_token: user.refresh_token })
        .expect(200);
      await t
        .http()
        .post(`${API}/auth/refresh`)
        .send({ refresh_token: retried.body.refresh_token })
        .expect(200);
    });

    it('keeps other logins of the same user alive when one is revoked', async () => {
      const user = await registerUser(t);
      const other = await t
        .http()
        .post(`${API}/auth/login`)
        .send({ username: user.username, password: user.password })
        .expect(200);
      await t.http().post(`${API}/auth/refresh`).send({ refresh_token: user.refresh_token }).expect(200);
      await t.http().post(`${API}/auth/refresh`).send({ refresh_token: user.refresh_token }).expect(401);
      await t
        .http()
        .post(`${API}/auth/refresh`)
        .send({ refresh_token: other.body.refresh_token })
        .expect(200);
    });

    it('gives exactly one winner when the same token is refreshed twice at once', async () => {
      const user = await registerUser(t);
      const results = await Promise.all(
        [1, 2].map(() => t.http().post(`${API}/auth/refresh`).send({ refresh_token: user.refresh_token })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    });

    it('rejects an unknown refresh token with 401 and an empty one with 400', async () => {
      await t.http().post(`${API}/auth/refresh`).send({ refresh_token: 'not-a-token' }).expect(401);
      const res = await t.http().post(`${API}/auth/refresh`).send({ refresh_token: '' }).expect(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field: 'refresh_token' })]);
    });

    it('logs out with 204 and no body; the refresh token then stops working', async () => {
      const user = await registerUser(t);
      const res = await t
        .http()
        .post(`${API}/auth/logout`)
        .send({ refresh_token: user.refresh_token })
        .expect(204);
      expect(res.text).toBe('');
      await t.http().post(`${API}/auth/refresh`).send({ refresh_token: user.refresh_token }).expect(401);
    });

    it('answers 204 to logout with an unknown token and 400 without one', async () => {
      await t.http().post(`${API}/auth/logout`).send({ refresh_token: 'unknown' }).expect(204);
      await t.http().post(`${API}/auth/logout`).send({}).expect(400);
    });
  });

  describe('access tokens', () => {
    const jwt = new JwtService();

    it('GET /users/me answers the caller', async () => {
      const user = await registerUser(t, 'me', 'Мария');
      const res = await t.http().get(`${API}/users/me`).set(user.auth).expect(200);
      expect(res.body).toEqual({ id: user.id, username: user.username, display_name: 'Мария' });
    });

    it.each([
      ['no header', undefined],
      ['a non-bearer scheme', 'Basic abc'],
      ['an empty bearer', 'Bearer '],
      ['garbage', 'Bearer not.a.jwt'],
    ])('answers 401 for %s', async (_, header) => {
      const req = t.http().get(`${API}/users/me`);
      if (header !== undefined) req.set('Authorization', header);
      const res = await req.expect(401);
      expect(res.body).toEqual({ status: 401, code: 'unauthorized', message: expect.any(String) });
    });

    it('answers 401 token_expired for an expired token', async () => {
      const user = await registerUser(t);
      const expired = jwt.sign(
        { sub: user.id, username: user.username, exp: Math.floor(Date.now() / 1000) - 10 },
        { secret: TEST_JWT_SECRET },
      );
      const res = await t.http().get(`${API}/users/me`).set('Authorization', `Bearer ${expired}`).expect(401);
      expect(res.body.code).toBe('token_expired');
    });

    it('answers 401 for a token signed with another secret', async () => {
      const user = await registerUser(t);
      const forged = jwt.sign(
        { sub: user.id, username: user.username },
        { secret: 'another-secret-another-secret-another', expiresIn: 60 },
      );
      await t.http().get(`${API}/users/me`).set('Authorization', `Bearer ${forged}`).expect(401);
    });

    it('answers 401 for an unsigned (alg: none) token', async () => {
      const user = await registerUser(t);
      const encode = (part: object): string => Buffer.from(JSON.stringify(part)).toString('base64url');
      const none = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ sub: user.id, username: user.username, exp: Math.floor(Date.now() / 1000) + 60 })}.`;
      await t.http().get(`${API}/users/me`).set('Authorization', `Bearer ${none}`).expect(401);
    });

    it('answers 401 for a tampered payload', async () => {
      const user = await registerUser(t);
      const [header, , signature] = user.access_token.split('.');
      const payload = Buffer.from(JSON.stringify({ sub: 1, username: 'admin', exp: 9_999_999_999 })).toString(
        'base64url',
      );
      await t
        .http()
        .get(`${API}/users/me`)
        .set('Authorization', `Bearer ${header}.${payload}.${signature}`)
        .expect(401);
    });
  });

  describe('GET /users', () => {
    it('finds people by part of username or display name, case-insensitively, without the caller', async () => {
      const tag = uniqueUsername('vet').slice(4);
      const me = await registerUser(t, `find_${tag}`);
      const olga = await registerUser(t, `olga_${tag}`, `Ольга ${tag}`);
      const res = await t
        .http()
        .get(`${API}/users`)
        .query({ search: tag.toUpperCase() })
        .set(me.auth)
        .expect(200);
      expect(res.body.items).toEqual([
        { id: olga.id, username: olga.username, display_name: olga.display_name },
      ]);
      const cyr = await t
        .http()
        .get(`${API}/users`)
        .query({ search: `ольга ${tag}` })
        .set(me.auth)
        .expect(200);
      expect(cyr.body.items.map((u: { id: number }) => u.id)).toEqual([olga.id]);
    });

    it('treats % and _ literally', async () => {
      const me = await registerUser(t);
      const res = await t.http().get(`${API}/users`).query({ search: '%' }).set(me.auth).expect(200);
      // Suites share the database, and test/hostile-input.e2e-spec.ts stores names with a "%".
      const items = res.body.items as { id: number; display_name: string }[];
      expect(items.map((user) => user.id)).not.toContain(me.id);
      for (const user of items) expect(user.display_name).toContain('%');
    });

    it('bounds the list with limit', async () => {
      const me = await registerUser(t);
      await registerUser(t);
      await registerUser(t);
      const res = await t.http().get(`${API}/users`).query({ limit: 2 }).set(me.auth).expect(200);
      expect(res.body.items).toHaveLength(2);
    });

    it.each(['0', '101', 'abc', '1.5', ''])('rejects limit=%s with 400', async (limit) => {
      const me = await registerUser(t);
      const res = await t.http().get(`${API}/users`).query({ limit }).set(me.auth).expect(400);
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'limit' })]));
    });

    it('needs a token', async () => {
      await t.http().get(`${API}/users`).expect(401);
    });
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await t.http().get(`${API}/nothing-here`).expect(404);
    expect(res.body).toEqual({ status: 404, code: 'not_found', message: 'Not found' });
  });
});

describe('failed logins per username (e2e)', () => {
  const WINDOW_SECONDS = 5;
  let t: TestApp;
  let address = 0;
  /** A login from an address of its own, so only the per-username budget can refuse it. */
  const login = (username: string, password: string) => {
    address += 1;
    return t
      .http()
      .post(`${API}/auth/login`)
      .set('X-Forwarded-For', `10.1.${address >> 8}.${address & 255}`)
      .send({ username, password });
  };

  beforeAll(async () => {
    t = await startApp({
      TRUST_PROXY: 'loopback',
      // Per address: the suite's registrations (from 127.0.0.1) and one login from each address.
      AUTH_RATE_LIMIT_MAX: '5',
      AUTH_USERNAME_RATE_LIMIT_MAX: '3',
      AUTH_USERNAME_RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
    });
  });
  afterAll(() => t.close());

  it('refuses a guessing attack from many addresses with 429 after the budget, until the window passes', async () => {
    const victim = await registerUser(t, 'victim');
    const bystander = await registerUser(t, 'bystander');
    for (let n = 0; n < 3; n += 1) await login(victim.username, `guess ${n}`).expect(401);

    const refused = await login(victim.username, 'guess 4').expect(429);
    expect(refused.body).toEqual({
      status: 429,
      code: 'rate_limited',
      message: expect.any(String),
      details: { retry_after_ms: expect.any(Number), retry_after_seconds: expect.any(Number) },
    });
    const retryAfterMs = refused.body.details.retry_after_ms as number;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(WINDOW_SECONDS * 1000);
    expect(Number(refused.headers['retry-after'])).toBe(Math.ceil(retryAfterMs / 1000));
    // Refused before the password is checked: the right one learns nothing either, in any case.
    await login(victim.username, victim.password).expect(429);
    await login(victim.username.toUpperCase(), victim.password).expect(429);
    // Other accounts are not affected.
    await login(bystander.username, bystander.password).expect(200);

    // Once the oldest failure leaves the window the owner gets in, which clears the failures.
    await new Promise((resolve) => setTimeout(resolve, retryAfterMs + 50));
    await login(victim.username, victim.password).expect(200);
    for (let n = 0; n < 3; n += 1) await login(victim.username, `again ${n}`).expect(401);
    await login(victim.username, 'again 4').expect(429);
  }, 20_000);

  it('lets no more parallel guesses through than the budget', async () => {
    const victim = await registerUser(t, 'victim');
    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_, n) => login(victim.username, `parallel ${n}`).then((res) => res.status)),
    );
    expect(statuses.filter((status) => status === 401)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
  });
});
