import { JwtService } from '@nestjs/jwt';
import { startApp, TEST_JWT_SECRET, TestApp } from './support/app.fixture';
import { expectErrorShape } from './support/errors.helpers';
import { API, MANY_REQUESTS } from './support/messages.helpers';
import { closeSockets, refusal, socketFor } from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe('hostile input (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;

  beforeAll(async () => {
    t = await startApp(MANY_REQUESTS);
    alice = await registerUser(t, 'alice');
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
});
