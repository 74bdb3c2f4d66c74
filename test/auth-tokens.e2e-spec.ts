import { JwtService } from '@nestjs/jwt';
import { TEST_JWT_SECRET, useApp } from './support/app.fixture';
import { failInserts } from './support/failing-trigger.fixture';
import { registerUser } from './support/users.helpers';

const API = '/api/v1';

describe('auth and users (e2e)', () => {
  const t = useApp();

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
      expect(res.body).toEqual({
        id: user.id,
        username: user.username,
        display_name: 'Мария',
        avatar_url: null,
      });
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
});
