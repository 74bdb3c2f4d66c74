import { startApp, TestApp, useApp } from './support/app.fixture';
import { registerUser, uniqueUsername } from './support/users.helpers';

const API = '/api/v1';

describe('auth and users (e2e)', () => {
  const t = useApp();

  describe('POST /auth/register', () => {
    it('creates a user, folds the username to lower case and defaults display_name', async () => {
      const name = uniqueUsername('Anna');
      const res = await t
        .http()
        .post(`${API}/auth/register`)
        .send({ username: name, password: 'password123' })
        .expect(201);
      expect(res.body).toEqual({
        user: {
          id: expect.any(Number),
          username: name.toLowerCase(),
          display_name: name.toLowerCase(),
          avatar_url: null,
        },
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
        avatar_url: null,
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
