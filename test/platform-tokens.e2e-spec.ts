import { startApp, type TestApp, useApp } from './support/app.fixture';
import { expectErrorShape } from './support/errors.helpers';
import { API, MANY_REQUESTS } from './support/messages.helpers';
import { ban, moderatorName } from './support/moderation.helpers';
import {
  bearer,
  JwksServer,
  oidcToken,
  PLATFORM_AUDIENCE,
  PLATFORM_ISSUER,
  PLATFORM_SECRET,
  platformId,
  platformToken,
  platformUser,
  signingKey,
  type SigningKey,
} from './support/platform.helpers';
import { closeSockets, connect, refusal, socketFor, waitForEvent } from './support/sockets.helpers';
import { registerNamed, registerUser, uniqueUsername } from './support/users.helpers';

interface Me {
  id: number;
  username: string;
  display_name: string;
}

const base64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe('platform tokens: shared secret, alongside local accounts (e2e)', () => {
  const MODERATOR = moderatorName();
  const t = useApp({
    ...MANY_REQUESTS,
    AUTH_EXTERNAL_JWT_SECRET: PLATFORM_SECRET,
    AUTH_EXTERNAL_JWT_ALGORITHMS: 'HS256,HS384',
    MODERATOR_USERNAMES: MODERATOR,
  });
  afterEach(() => closeSockets());

  const me = (token: string) => t.http().get(`${API}/users/me`).set(bearer(token));

  it('accepts a token minted as the seed platform mints it and makes its user once', async () => {
    const id = platformId();
    const username = uniqueUsername('pl');
    const first = (await me(await platformToken({ id, username })).expect(200)).body as Me;
    expect(first).toMatchObject({ username, display_name: username });
    // A later token (another string) finds the same user.
    const again = (
      await me(await platformToken({ id, username, name: 'Другое имя' }, { expiresIn: 900 })).expect(200)
    ).body as Me;
    expect(again.id).toBe(first.id);
    const rows: { issuer: string; password_hash: string | null }[] = await t.db.query(
      `SELECT i.issuer, u.password_hash FROM user_identities i JOIN users u ON u.id = i.user_id
       WHERE i.external_id = $1`,
      [id],
    );
    expect(rows).toEqual([{ issuer: 'platform', password_hash: null }]);
    // No local password: a login as that user never succeeds.
    const login = await t.http().post(`${API}/auth/login`).send({ username, password: 'anything at all' });
    expectErrorShape(login.body, 401, 'invalid_credentials');
  });

  it('takes the numeric id, the display name, and HS384 when allowed', async () => {
    const id = Math.floor(Math.random() * 1e9);
    const token = await platformToken(
      { id, username: uniqueUsername('num'), name: 'Мария  Иванова' },
      { alg: 'HS384' },
    );
    const user = (await me(token).expect(200)).body as Me;
    expect(user.display_name).toBe('Мария Иванова');
    const [link]: { external_id: string }[] = await t.db.query(
      'SELECT external_id FROM user_identities WHERE user_id = $1',
      [user.id],
    );
    expect(link.external_id).toBe(String(id));
  });

  /** Eight first requests of one new platform user at once, spread over `apps`: one user, one link. */
  async function firstSightsAtOnce(apps: TestApp[]): Promise<void> {
    const id = platformId();
    const username = uniqueUsername('race');
    const tokens = await Promise.all(
      Array.from({ length: 8 }, (_, n) => platformToken({ id, username }, { expiresIn: 300 + n })),
    );
    const answers = await Promise.all(
      tokens.map((token, n) => apps[n % apps.length].http().get(`${API}/users/me`).set(bearer(token))),
    );
    expect(answers.map((answer) => answer.status)).toEqual(tokens.map(() => 200));
    expect(new Set(answers.map((answer) => (answer.body as Me).id)).size).toBe(1);
    const [counts]: { users: string; links: string }[] = await t.db.query(
      `SELECT (SELECT count(*) FROM users WHERE username LIKE $1) AS users,
              (SELECT count(*) FROM user_identities WHERE external_id = $2) AS links`,
      [`${username}%`, id],
    );
    expect(counts).toEqual({ users: '1', links: '1' });
  }

  it('makes exactly one user of concurrent first requests', () => firstSightsAtOnce([t]));

  it('makes exactly one user of first requests to two instances at once', async () => {
    const other = await startApp({ ...MANY_REQUESTS, AUTH_EXTERNAL_JWT_SECRET: PLATFORM_SECRET });
    try {
      await firstSightsAtOnce([t, other]);
    } finally {
      await other.close();
    }
  });

  it('gives a username taken locally a suffix, and normalises usernames to the local rules', async () => {
    const local = await registerUser(t, 'taken');
    const clash = await platformUser(t, { id: platformId(), username: local.username });
    expect(clash.username).toBe(`${local.username}_2`);
    expect(clash.id).not.toBe(local.id);
    const third = await platformUser(t, { id: platformId(), username: local.username.toUpperCase() });
    expect(third.username).toBe(`${local.username}_3`);

    const suffix = platformId();
    const cyrillic = await platformUser(t, { id: platformId(), username: `Мария Иванова ${suffix}` });
    expect(cyrillic.username).toBe(`mariya_ivanova_${suffix}`);
    const long = await platformUser(t, { id: platformId(), username: `x${'y'.repeat(60)}` });
    expect(long.username).toMatch(/^[a-z0-9_.-]{3,32}$/);
    const id = platformId();
    const nameless = await platformUser(t, { id });
    expect(nameless.username).toBe(`user_${id}`);
  });

  it('still accepts the service’s own tokens', async () => {
    const local = await registerUser(t, 'own');
    expect(((await me(local.access_token).expect(200)).body as Me).id).toBe(local.id);
  });

  it('refuses expired, wrongly signed, unsigned, disallowed-algorithm and id-less tokens with 401', async () => {
    const claims = { id: platformId(), username: uniqueUsername('bad') };
    const expired = await platformToken(claims, { expiresIn: -10 });
    expectErrorShape((await me(expired)).body, 401, 'token_expired');
    const cases = [
      await platformToken(claims, { secret: 'another-secret-another-secret-0123456789' }),
      await platformToken(claims, { alg: 'HS512' }),
      await platformToken(claims, { expiresIn: null }),
      await platformToken({ username: claims.username }),
      await platformToken({ id: '', username: claims.username }),
      `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...claims, exp: nowSeconds() + 600 })}.`,
      `${base64url({ alg: 'RS256', typ: 'JWT' })}.${base64url({ ...claims, exp: nowSeconds() + 600 })}.AAAA`,
    ];
    for (const [n, token] of cases.entries()) {
      const answer = await me(token);
      expect([n, answer.status]).toEqual([n, 401]);
      expectErrorShape(answer.body, 401, 'unauthorized');
    }
    const [{ count }]: { count: string }[] = await t.db.query(
      'SELECT count(*) FROM user_identities WHERE external_id = $1',
      [claims.id],
    );
    expect(count).toBe('0');
  });

  it('accepts the token on the socket handshake and refuses a bad one', async () => {
    const user = await platformUser(t, { id: platformId(), username: uniqueUsername('sock') });
    const socket = socketFor(t, { auth: { token: user.access_token } });
    await connect(socket);
    expect(socket.connected).toBe(true);
    // A first sight on the socket makes the user as well.
    await connect(
      socketFor(t, {
        auth: { token: await platformToken({ id: platformId(), username: 'first_on_socket' }) },
      }),
    );

    const expired = await platformToken({ id: platformId(), username: 'late' }, { expiresIn: -10 });
    const refused = await refusal(socketFor(t, { auth: { token: expired } }));
    expect(refused.message).toBe('unauthorized');
    expect(refused.data).toMatchObject({ status: 401, code: 'token_expired' });
    const forged = await platformToken({ id: platformId(), username: 'forged' }, { secret: 'z'.repeat(40) });
    expect((await refusal(socketFor(t, { auth: { token: forged } }))).message).toBe('unauthorized');
  });

  it('ends the socket with auth:expired at the token’s exp, however far ahead that is', async () => {
    const soon = await platformToken(
      { id: platformId(), username: uniqueUsername('soon') },
      { expiresIn: 2 },
    );
    const ending = socketFor(t, { auth: { token: soon } });
    await connect(ending);
    const expired = waitForEvent(ending, 'auth:expired', 4000);
    // 60 days: past setTimeout's longest delay, which would otherwise fire at once.
    const later = await platformToken(
      { id: platformId(), username: uniqueUsername('later') },
      { expiresIn: 60 * 86_400 },
    );
    const staying = socketFor(t, { auth: { token: later } });
    await connect(staying);
    expect(await expired).toMatchObject({ message: expect.any(String) });
    expect(staying.connected).toBe(true);
  });

  it('makes a moderator of the roles claim, and bans apply to platform users', async () => {
    const plain = await platformUser(t, { id: platformId(), username: uniqueUsername('plain') });
    expectErrorShape(
      (await t.http().get(`${API}/moderation/reports`).set(plain.auth)).body,
      403,
      'forbidden',
    );
    const moderator = await platformUser(t, {
      id: platformId(),
      username: uniqueUsername('pmod'),
      roles: ['moderator'],
    });
    await t.http().get(`${API}/moderation/reports`).set(moderator.auth).expect(200);

    expect((await ban(t, moderator, plain)).status).toBe(204);
    expectErrorShape((await me(plain.access_token)).body, 403, 'banned');
    // A fresh token of the banned platform user is refused too, and so is their socket.
    const fresh = await platformToken(
      {
        id: (await t.db.query('SELECT external_id FROM user_identities WHERE user_id = $1', [plain.id]))[0]
          .external_id,
        username: plain.username,
      },
      { expiresIn: 700 },
    );
    expectErrorShape((await me(fresh)).body, 403, 'banned');
    expect((await refusal(socketFor(t, { auth: { token: fresh } }))).message).toBe('banned');

    // MODERATOR_USERNAMES counts for the local username of a platform user as well.
    const named = await platformUser(t, { id: platformId(), username: MODERATOR });
    await t.http().get(`${API}/moderation/reports`).set(named.auth).expect(200);
  });
});

describe('platform tokens: JWKS (RS256/ES256), local accounts off (e2e)', () => {
  const jwks = new JwksServer();
  let rsa: SigningKey;
  let ec: SigningKey;
  // Filled before the app starts: this hook is registered before useApp's.
  const env: Record<string, string> = {};

  beforeAll(async () => {
    await jwks.start();
    rsa = await signingKey('RS256');
    ec = await signingKey('ES256');
    jwks.keys = [rsa, ec];
    Object.assign(env, {
      ...MANY_REQUESTS,
      AUTH_EXTERNAL_JWKS_URL: jwks.url,
      AUTH_EXTERNAL_ISSUER: PLATFORM_ISSUER,
      AUTH_EXTERNAL_AUDIENCE: PLATFORM_AUDIENCE,
      AUTH_EXTERNAL_JWKS_COOLDOWN_SECONDS: '0',
      AUTH_EXTERNAL_ID_CLAIM: 'sub',
      AUTH_EXTERNAL_USERNAME_CLAIM: 'preferred_username',
      AUTH_EXTERNAL_ROLES_CLAIM: 'realm_access.roles',
      AUTH_LOCAL_ENABLED: 'false',
    });
  });
  const t = useApp(env);
  afterAll(() => jwks.close());
  afterEach(() => closeSockets());

  const me = (token: string) => t.http().get(`${API}/users/me`).set(bearer(token));

  it('accepts RS256 and ES256 tokens whose issuer and audience match, with the configured claims', async () => {
    const sub = platformId();
    const username = uniqueUsername('oidc');
    const viaRsa = (
      await me(await oidcToken(rsa, { sub, preferred_username: username, name: 'Olga' })).expect(200)
    ).body as Me;
    expect(viaRsa).toMatchObject({ username, display_name: 'Olga' });
    const viaEc = (await me(await oidcToken(ec, { sub, preferred_username: username })).expect(200))
      .body as Me;
    expect(viaEc.id).toBe(viaRsa.id);
    const [link]: { issuer: string }[] = await t.db.query(
      'SELECT issuer FROM user_identities WHERE user_id = $1',
      [viaRsa.id],
    );
    expect(link.issuer).toBe(PLATFORM_ISSUER);
    // The moderator role at a dotted claim path.
    const moderator = await oidcToken(rsa, {
      sub: platformId(),
      preferred_username: uniqueUsername('om'),
      realm_access: { roles: ['moderator'] },
    });
    await t.http().get(`${API}/moderation/reports`).set(bearer(moderator)).expect(200);
  });

  it('refuses a wrong issuer or audience, an expired token, an unknown key and HMAC tokens with 401', async () => {
    const claims = { sub: platformId(), preferred_username: uniqueUsername('no') };
    const stranger = await signingKey('RS256');
    const refused = [
      await oidcToken(rsa, claims, { issuer: 'https://evil.test' }),
      await oidcToken(rsa, claims, { audience: 'another-service' }),
      await oidcToken({ ...stranger, kid: rsa.kid }, claims),
      await oidcToken(stranger, claims),
      await platformToken({ id: claims.sub, username: claims.preferred_username }),
      await platformToken(
        { sub: 1, username: 'own' },
        { secret: 'test-secret-test-secret-test-secret-0123456789' },
      ),
    ];
    for (const token of refused) expectErrorShape((await me(token)).body, 401, 'unauthorized');
    const expired = await oidcToken(rsa, claims, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    expectErrorShape((await me(expired)).body, 401, 'token_expired');
  });

  it('fetches the keys again for a new kid: a rotated key is accepted', async () => {
    const claims = { sub: platformId(), preferred_username: uniqueUsername('rot') };
    await me(await oidcToken(rsa, claims)).expect(200);
    const before = jwks.fetches;
    const rotated = await signingKey('RS256');
    jwks.keys = [rotated, ec];
    await me(await oidcToken(rotated, claims)).expect(200);
    expect(jwks.fetches).toBeGreaterThan(before);
    const rotatedEc = await signingKey('ES256');
    jwks.keys = [rotated, rotatedEc];
    await me(await oidcToken(rotatedEc, claims)).expect(200);
  });

  it('answers 404 on register, login and refresh', async () => {
    for (const [path, body] of [
      ['register', { username: uniqueUsername('x'), password: 'correct horse battery' }],
      ['login', { username: 'anyone', password: 'correct horse battery' }],
      ['refresh', { refresh_token: 'x'.repeat(43) }],
      ['register', {}],
    ] as const) {
      expectErrorShape((await t.http().post(`${API}/auth/${path}`).send(body)).body, 404, 'not_found');
    }
  });

  it('accepts the token on the socket handshake', async () => {
    // The key set now in force (an earlier test rotated the keys).
    const current = jwks.keys[jwks.keys.length - 1];
    const token = await oidcToken(current, { sub: platformId(), preferred_username: uniqueUsername('ws') });
    const socket = socketFor(t, { auth: { token } });
    await connect(socket);
    expect(socket.connected).toBe(true);
    const wrong = await oidcToken(current, { sub: platformId() }, { audience: 'nope' });
    expect((await refusal(socketFor(t, { auth: { token: wrong } }))).message).toBe('unauthorized');
  });

  it('keeps verifying with the cached keys while the provider is down; an unknown kid answers 503', async () => {
    const current = jwks.keys[jwks.keys.length - 1];
    const claims = { sub: platformId(), preferred_username: uniqueUsername('down') };
    await jwks.close();
    await me(await oidcToken(current, claims)).expect(200);
    const unknown = await signingKey('ES256');
    expectErrorShape((await me(await oidcToken(unknown, claims))).body, 503, 'service_unavailable');
  });
});

describe('platform tokens: local accounts beside them (e2e)', () => {
  const t = useApp({ ...MANY_REQUESTS, AUTH_EXTERNAL_JWT_SECRET: PLATFORM_SECRET });
  it('registers, logs in and refreshes as before', async () => {
    const user = await registerNamed(t, uniqueUsername('loc'));
    const login = await t
      .http()
      .post(`${API}/auth/login`)
      .send({ username: user.username, password: user.password });
    expect(login.status).toBe(200);
    await t
      .http()
      .post(`${API}/auth/refresh`)
      .send({ refresh_token: (login.body as { refresh_token: string }).refresh_token })
      .expect(200);
  });
});
