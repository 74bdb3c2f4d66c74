import { ConfigError, loadConfig, PLACEHOLDER_JWT_SECRET } from './app.config';

const SECRET = 'a-real-secret-a-real-secret-a-real-secret';
/** A VAPID key pair (web-push generate-vapid-keys) and subject: what production requires. */
const VAPID = {
  VAPID_PUBLIC_KEY: 'BH7dlt3bt--ExpNVvlDZmmnsC842en6dajO9sim225ZKFCUWEArpy7jv-o986cPSB0ksmZNvjVJ4OMvYJzGKTQY',
  VAPID_PRIVATE_KEY: 'Y0g4xwcjVQrRoYElR4Otzw3PnNjWIEipsQcl7AJxQ44',
  VAPID_SUBJECT: 'mailto:ops@example.org',
};

function problem(env: Record<string, string>): string {
  try {
    loadConfig(env, '/srv/app');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('has working defaults for development', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      databaseUrl: undefined,
      embeddedPgDir: '/srv/app/.data/postgres',
      migrationsRun: true,
      jwtSecret: PLACEHOLDER_JWT_SECRET,
      jwtAlgorithm: 'HS256',
      accessTokenTtlSeconds: 900,
      corsOrigins: true,
      redisUrl: undefined,
      redisKeyPrefix: 'rescue-chat',
      presenceInstanceTimeoutSeconds: 30,
      logLevel: 'info',
      searchTailQuietSeconds: 60,
      maxMembersPerChat: 200,
      maxChatsPerUser: 1000,
      chatCreateRate: { burst: 30, perSecond: 30 / 3600 },
      memberAddRate: { burst: 300, perSecond: 300 / 3600 },
      rateLimitMax: 600,
      authRateLimitMax: 10,
      rateLimitWindowSeconds: 60,
      authUsernameRateLimitMax: 10,
      authUsernameRateLimitWindowSeconds: 300,
      trustProxy: false,
      metricsToken: undefined,
      metricsPort: undefined,
      shutdownDelaySeconds: 0,
      shutdownTimeoutSeconds: 25,
      databaseConnectTimeoutMs: 3000,
      databaseQueryTimeoutMs: 5000,
      redisCommandTimeoutMs: 1000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        NODE_ENV: 'production',
        ...VAPID,
        PORT: '8080',
        DATABASE_URL: 'postgres://u:p@db:5432/chat',
        JWT_SECRET: SECRET,
        JWT_ACCESS_TTL_SECONDS: '60',
        JWT_REFRESH_TTL_SECONDS: '3600',
        CORS_ORIGINS: 'https://a.example, https://b.example',
        REDIS_URL: 'redis://cache:6379',
        REDIS_KEY_PREFIX: 'chat-staging',
        PRESENCE_INSTANCE_TIMEOUT_SECONDS: '10',
        LOG_LEVEL: 'debug',
        SEARCH_TAIL_QUIET_SECONDS: '0',
        MIGRATIONS_RUN: 'false',
      },
      '/srv/app',
    );
    expect(config).toMatchObject({
      nodeEnv: 'production',
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5432/chat',
      accessTokenTtlSeconds: 60,
      refreshTokenTtlSeconds: 3600,
      corsOrigins: ['https://a.example', 'https://b.example'],
      redisUrl: 'redis://cache:6379',
      redisKeyPrefix: 'chat-staging',
      presenceInstanceTimeoutSeconds: 10,
      logLevel: 'debug',
      searchTailQuietSeconds: 0,
      migrationsRun: false,
    });
  });

  it.each([
    [{ PORT: 'eighty' }, /^Invalid configuration: PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be an integer from 0 to 65535/],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL must be a URL/],
    [{ DATABASE_URL: 'mysql://x/y' }, /DATABASE_URL must use postgres:/],
    [{ REDIS_URL: 'http://cache' }, /REDIS_URL must use redis:/],
    [{ REDIS_KEY_PREFIX: 'has space' }, /REDIS_KEY_PREFIX must be 1-64 characters/],
    [
      { PRESENCE_INSTANCE_TIMEOUT_SECONDS: '1' },
      /PRESENCE_INSTANCE_TIMEOUT_SECONDS must be an integer from 3 to 3600/,
    ],
    [{ NODE_ENV: 'staging' }, /NODE_ENV must be one of development, production, test/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ SEARCH_TAIL_QUIET_SECONDS: '-1' }, /SEARCH_TAIL_QUIET_SECONDS must be an integer from 0 to 86400/],
    [{ SEARCH_TAIL_QUIET_SECONDS: '86401' }, /SEARCH_TAIL_QUIET_SECONDS must be an integer from 0 to 86400/],
    [{ MIGRATIONS_RUN: 'maybe' }, /MIGRATIONS_RUN must be true or false/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET must be at least 32 characters/],
    [{ JWT_ALGORITHM: 'none' }, /JWT_ALGORITHM must be one of HS256, HS384, HS512/],
    [
      { JWT_ACCESS_TTL_SECONDS: '600', JWT_REFRESH_TTL_SECONDS: '300' },
      /JWT_REFRESH_TTL_SECONDS must be longer/,
    ],
    [{ MAX_MEMBERS_PER_CHAT: '1' }, /MAX_MEMBERS_PER_CHAT must be an integer from 2 to 10000/],
    [{ MAX_CHATS_PER_USER: 'lots' }, /MAX_CHATS_PER_USER must be an integer/],
    [{ CHAT_CREATE_RATE_LIMIT: '30' }, /CHAT_CREATE_RATE_LIMIT must be "<count>,<seconds>"/],
    [{ MEMBER_ADD_RATE_LIMIT: '0,60' }, /MEMBER_ADD_RATE_LIMIT must be "<count>,<seconds>"/],
    [{ CORS_ORIGINS: 'example.com' }, /CORS_ORIGINS must be \* or a comma-separated list/],
    [{ RATE_LIMIT_MAX: '0' }, /RATE_LIMIT_MAX must be an integer from 1/],
    [{ AUTH_RATE_LIMIT_MAX: 'ten' }, /AUTH_RATE_LIMIT_MAX must be an integer/],
    [{ RATE_LIMIT_WINDOW_SECONDS: '-5' }, /RATE_LIMIT_WINDOW_SECONDS must be an integer/],
    [{ AUTH_USERNAME_RATE_LIMIT_MAX: '0' }, /AUTH_USERNAME_RATE_LIMIT_MAX must be an integer from 1/],
    [
      { AUTH_USERNAME_RATE_LIMIT_WINDOW_SECONDS: '1w' },
      /AUTH_USERNAME_RATE_LIMIT_WINDOW_SECONDS must be an integer from 1 to 86400/,
    ],
    [{ TRUST_PROXY: 'true' }, /TRUST_PROXY must be a hop count/],
    [{ TRUST_PROXY: '10.0.0.0/8, *' }, /TRUST_PROXY .*\(bad: "\*"\)/],
    [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 16 characters/],
    [{ METRICS_PORT: 'nine' }, /METRICS_PORT must be an integer from 0 to 65535/],
    [{ PORT: '3000', METRICS_PORT: '3000' }, /METRICS_PORT must differ from PORT \(3000\)/],
    [{ SHUTDOWN_TIMEOUT_SECONDS: '0' }, /SHUTDOWN_TIMEOUT_SECONDS must be an integer from 1 to 600/],
    [{ SHUTDOWN_DELAY_SECONDS: '1000' }, /SHUTDOWN_DELAY_SECONDS must be an integer from 0 to 120/],
    [{ SOCKET_RATE_CHAT_SYNC: '200' }, /SOCKET_RATE_CHAT_SYNC must be "<burst>,<per second>"/],
    [{ SOCKET_RATE_TYPING: '0,5' }, /SOCKET_RATE_TYPING must be "<burst>,<per second>"/],
    [{ SOCKET_RATE_OTHER: '5,1.5' }, /SOCKET_RATE_OTHER must be "<burst>,<per second>"/],
    [{ SOCKET_MAX_EVENTS_IN_FLIGHT: '0' }, /SOCKET_MAX_EVENTS_IN_FLIGHT must be an integer from 1/],
    [{ SOCKET_MAX_PER_USER: 'many' }, /SOCKET_MAX_PER_USER must be an integer/],
    [{ SOCKET_HANDSHAKES_PER_ADDRESS: '-1' }, /SOCKET_HANDSHAKES_PER_ADDRESS must be an integer/],
    [{ SOCKET_HANDSHAKES_PER_USER: '0' }, /SOCKET_HANDSHAKES_PER_USER must be an integer/],
    [{ SOCKET_MAX_UNSENT_BYTES: '1000' }, /SOCKET_MAX_UNSENT_BYTES must be an integer from 65536/],
    [
      { DATABASE_CONNECT_TIMEOUT_MS: '3s' },
      /DATABASE_CONNECT_TIMEOUT_MS must be an integer from 100 to 60000/,
    ],
    [{ DATABASE_QUERY_TIMEOUT_MS: '0' }, /DATABASE_QUERY_TIMEOUT_MS must be an integer from 100 to 600000/],
    [{ REDIS_COMMAND_TIMEOUT_MS: '10' }, /REDIS_COMMAND_TIMEOUT_MS must be an integer from 50 to 60000/],
  ])('refuses %p with one line naming the variable', (env, message) => {
    const text = problem(env);
    expect(text).toMatch(message);
    expect(text).not.toContain('\n');
  });

  it('reads the bounds on waiting for PostgreSQL and Redis', () => {
    expect(
      loadConfig({
        DATABASE_CONNECT_TIMEOUT_MS: '1500',
        DATABASE_QUERY_TIMEOUT_MS: '8000',
        REDIS_COMMAND_TIMEOUT_MS: '250',
      }),
    ).toMatchObject({
      databaseConnectTimeoutMs: 1500,
      databaseQueryTimeoutMs: 8000,
      redisCommandTimeoutMs: 250,
    });
  });

  it('reads the limits, proxy, metrics and shutdown settings', () => {
    const config = loadConfig(
      {
        RATE_LIMIT_MAX: '100',
        AUTH_RATE_LIMIT_MAX: '3',
        RATE_LIMIT_WINDOW_SECONDS: '10',
        AUTH_USERNAME_RATE_LIMIT_MAX: '4',
        AUTH_USERNAME_RATE_LIMIT_WINDOW_SECONDS: '900',
        TRUST_PROXY: 'loopback, 10.0.0.0/8',
        METRICS_TOKEN: 'metrics-token-0123456789',
        METRICS_PORT: '9464',
        SHUTDOWN_DELAY_SECONDS: '5',
        SHUTDOWN_TIMEOUT_SECONDS: '40',
      },
      '/srv/app',
    );
    expect(config).toMatchObject({
      rateLimitMax: 100,
      authRateLimitMax: 3,
      rateLimitWindowSeconds: 10,
      authUsernameRateLimitMax: 4,
      authUsernameRateLimitWindowSeconds: 900,
      trustProxy: ['loopback', '10.0.0.0/8'],
      metricsToken: 'metrics-token-0123456789',
      metricsPort: 9464,
      shutdownDelaySeconds: 5,
      shutdownTimeoutSeconds: 40,
    });
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
  });

  it('has socket limits a real client never meets, each settable', () => {
    expect(loadConfig({}, '/srv/app').socketLimits).toEqual({
      rates: {
        messageSend: { burst: 20, perSecond: 5 },
        messageEdit: { burst: 30, perSecond: 5 },
        messageDelete: { burst: 60, perSecond: 10 },
        chatRead: { burst: 120, perSecond: 20 },
        chatSync: { burst: 200, perSecond: 20 },
        typing: { burst: 10, perSecond: 2 },
        other: { burst: 30, perSecond: 5 },
      },
      maxEventsInFlight: 128,
      maxSocketsPerUser: 20,
      handshakesPerAddressPerMinute: 600,
      handshakesPerUserPerMinute: 60,
      maxUnsentBytes: 8 * 1024 * 1024,
    });
    const config = loadConfig(
      {
        SOCKET_RATE_MESSAGE_SEND: '3,1',
        SOCKET_RATE_MESSAGE_EDIT: '4, 2',
        SOCKET_RATE_MESSAGE_DELETE: '5,3',
        SOCKET_RATE_CHAT_READ: '6,4',
        SOCKET_RATE_CHAT_SYNC: '7,5',
        SOCKET_RATE_TYPING: '8,6',
        SOCKET_RATE_OTHER: '9,7',
        SOCKET_MAX_EVENTS_IN_FLIGHT: '2',
        SOCKET_MAX_PER_USER: '3',
        SOCKET_HANDSHAKES_PER_ADDRESS: '4',
        SOCKET_HANDSHAKES_PER_USER: '5',
        SOCKET_MAX_UNSENT_BYTES: '65536',
      },
      '/srv/app',
    );
    expect(config.socketLimits).toEqual({
      rates: {
        messageSend: { burst: 3, perSecond: 1 },
        messageEdit: { burst: 4, perSecond: 2 },
        messageDelete: { burst: 5, perSecond: 3 },
        chatRead: { burst: 6, perSecond: 4 },
        chatSync: { burst: 7, perSecond: 5 },
        typing: { burst: 8, perSecond: 6 },
        other: { burst: 9, perSecond: 7 },
      },
      maxEventsInFlight: 2,
      maxSocketsPerUser: 3,
      handshakesPerAddressPerMinute: 4,
      handshakesPerUserPerMinute: 5,
      maxUnsentBytes: 65536,
    });
  });

  const DATABASE_URL = 'postgres://u:p@db:5432/chat';

  it('requires a JWT secret in production', () => {
    expect(problem({ NODE_ENV: 'production', DATABASE_URL })).toMatch(
      /JWT_SECRET is required when NODE_ENV=production/,
    );
  });

  it('refuses the development placeholder secret in production', () => {
    expect(problem({ NODE_ENV: 'production', DATABASE_URL, JWT_SECRET: PLACEHOLDER_JWT_SECRET })).toMatch(
      /placeholder/,
    );
  });

  it('requires DATABASE_URL in production, in one line naming it', () => {
    const text = problem({ NODE_ENV: 'production', JWT_SECRET: SECRET });
    expect(text).toMatch(/^Invalid configuration: DATABASE_URL is required when NODE_ENV=production/);
    expect(text).not.toContain('\n');
    expect(loadConfig({ NODE_ENV: 'development', JWT_SECRET: SECRET }).databaseUrl).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET }).databaseUrl).toBeUndefined();
  });

  it('allows no cross-origin calls in production unless origins are listed', () => {
    expect(
      loadConfig({ NODE_ENV: 'production', DATABASE_URL, JWT_SECRET: SECRET, ...VAPID }).corsOrigins,
    ).toEqual([]);
  });

  it('requires VAPID keys and subject in production; elsewhere keys are generated into the data folder', () => {
    const production = { NODE_ENV: 'production', DATABASE_URL, JWT_SECRET: SECRET };
    expect(problem(production)).toMatch(
      /^Invalid configuration: VAPID_PUBLIC_KEY is required when NODE_ENV=production/,
    );
    expect(problem({ ...production, ...VAPID, VAPID_SUBJECT: '' })).toMatch(/VAPID_SUBJECT is required/);
    expect(problem({ ...production, ...VAPID, VAPID_PRIVATE_KEY: '' })).toMatch(
      /VAPID_PRIVATE_KEY must be set together/,
    );
    expect(problem({ ...VAPID, VAPID_PUBLIC_KEY: 'abc' })).toMatch(
      /VAPID_PUBLIC_KEY must be a base64url uncompressed P-256/,
    );
    expect(problem({ ...VAPID, VAPID_PRIVATE_KEY: VAPID.VAPID_PUBLIC_KEY })).toMatch(
      /VAPID_PRIVATE_KEY must be/,
    );
    expect(problem({ ...VAPID, VAPID_SUBJECT: 'ops@example.org' })).toMatch(
      /VAPID_SUBJECT must be a mailto:/,
    );
    const otherPair =
      'BBPsjFXAziTCGKVIKQ-OUCq4KDvPXXA4nLXIF4FS_09V49BT2kR-Gf7M4LOBKPwPbpMwXoLyvVr_ovjAbZd4PjM';
    expect(problem({ ...VAPID, VAPID_PUBLIC_KEY: otherPair })).toMatch(
      /VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY/,
    );
    expect(loadConfig({ ...production, ...VAPID }).push).toMatchObject({
      vapidKeys: { publicKey: VAPID.VAPID_PUBLIC_KEY, privateKey: VAPID.VAPID_PRIVATE_KEY },
      vapidSubject: 'mailto:ops@example.org',
    });
    expect(loadConfig({}, '/srv/app').push).toEqual({
      vapidKeys: undefined,
      vapidKeysFile: '/srv/app/.data/vapid-keys.json',
      vapidSubject: 'mailto:rescue-chat@localhost',
      endpointHosts: [
        { host: 'fcm.googleapis.com', port: 443 },
        { host: 'updates.push.services.mozilla.com', port: 443 },
        { host: 'web.push.apple.com', port: 443 },
        { host: '*.notify.windows.com', port: 443 },
      ],
      coalesceMs: 1000,
      pollIntervalMs: 2000,
      ttlSeconds: 86_400,
      maxAgeSeconds: 3600,
      sweepIntervalSeconds: 60,
    });
  });

  it('reads PUSH_ENDPOINT_HOSTS as a list replacing the default, with optional ports and wildcards', () => {
    expect(
      loadConfig({ PUSH_ENDPOINT_HOSTS: 'Push.Example.org, 127.0.0.1:8443, *.push.example.net' }).push
        .endpointHosts,
    ).toEqual([
      { host: 'push.example.org', port: 443 },
      { host: '127.0.0.1', port: 8443 },
      { host: '*.push.example.net', port: 443 },
    ]);
    for (const bad of [
      'https://push.example.org',
      'push.example.org/path',
      '*.com',
      'a b',
      'host:99999',
      '*',
    ]) {
      expect(problem({ PUSH_ENDPOINT_HOSTS: bad })).toMatch(
        /PUSH_ENDPOINT_HOSTS must be a comma-separated list/,
      );
    }
    expect(loadConfig({ VAPID_KEYS_FILE: '/var/lib/chat/vapid.json' }).push.vapidKeysFile).toBe(
      '/var/lib/chat/vapid.json',
    );
    expect(problem({ PUSH_POLL_INTERVAL_MS: '100' })).toMatch(
      /PUSH_POLL_INTERVAL_MS must be an integer from 500/,
    );
  });

  it('stores attachments on disk under the data folder by default, with the contract limits', () => {
    const { attachments } = loadConfig({}, '/srv/app');
    expect(attachments).toMatchObject({
      storage: { driver: 'disk', dir: '/srv/app/.data/attachments' },
      imageMaxBytes: 20 * 1024 * 1024,
      imageMaxPixels: 50_000_000,
      voiceMaxBytes: 20 * 1024 * 1024,
      voiceMaxDurationMs: 15 * 60 * 1000,
      fileMaxBytes: 25 * 1024 * 1024,
      urlTtlSeconds: 3600,
      unattachedTtlSeconds: 86_400,
      deletedGraceSeconds: 3600,
    });
    expect(attachments.urlSecret).not.toBe(PLACEHOLDER_JWT_SECRET);
    expect(attachments.urlSecret.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ JWT_SECRET: SECRET }).attachments.urlSecret).not.toBe(attachments.urlSecret);
  });

  it('reads the S3 driver and refuses it half configured', () => {
    const env = {
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: 'http://127.0.0.1:9000',
      S3_BUCKET: 'rescue',
      S3_ACCESS_KEY_ID: 'id',
      S3_SECRET_ACCESS_KEY: 'key',
      S3_FORCE_PATH_STYLE: 'true',
      ATTACHMENT_URL_SECRET: SECRET,
      ATTACHMENT_URL_TTL_SECONDS: '900',
      ATTACHMENT_DELETED_GRACE_SECONDS: '0',
    };
    expect(loadConfig(env).attachments).toMatchObject({
      storage: {
        driver: 's3',
        endpoint: 'http://127.0.0.1:9000',
        bucket: 'rescue',
        region: 'us-east-1',
        accessKeyId: 'id',
        secretAccessKey: 'key',
        forcePathStyle: true,
      },
      urlSecret: SECRET,
      urlTtlSeconds: 900,
      deletedGraceSeconds: 0,
    });
    expect(problem({ STORAGE_DRIVER: 's3' })).toMatch(/S3_BUCKET is required/);
    expect(problem({ ...env, S3_SECRET_ACCESS_KEY: '' })).toMatch(
      /S3_SECRET_ACCESS_KEY must be set together/,
    );
    expect(problem({ STORAGE_DRIVER: 'ftp' })).toMatch(/STORAGE_DRIVER must be one of disk, s3/);
    expect(problem({ ATTACHMENT_URL_TTL_SECONDS: '60' })).toMatch(
      /ATTACHMENT_URL_TTL_SECONDS must be an integer from 600/,
    );
    expect(problem({ ATTACHMENT_DELETED_GRACE_SECONDS: '-1' })).toMatch(
      /ATTACHMENT_DELETED_GRACE_SECONDS must be an integer from 0/,
    );
    expect(problem({ ATTACHMENT_URL_SECRET: 'short' })).toMatch(/ATTACHMENT_URL_SECRET must be at least 32/);
  });
  it('reads the job queue settings', () => {
    expect(loadConfig({})).toMatchObject({
      jobsPoolSize: 3,
      jobsShutdownTimeoutMs: 5000,
      jobsListenNotify: true,
    });
    expect(loadConfig({ JOBS_LISTEN_NOTIFY: 'false' }).jobsListenNotify).toBe(false);
    expect(problem({ JOBS_LISTEN_NOTIFY: 'sometimes' })).toMatch(/JOBS_LISTEN_NOTIFY must be true or false/);
  });
  it('reads who the moderators are and the report and ban settings', () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({
      authExternalRolesClaim: 'roles',
      reportsPerUserPerHour: 20,
      banRefreshIntervalSeconds: 5,
    });
    expect([...defaults.moderatorUsernames]).toEqual([]);
    const config = loadConfig({
      MODERATOR_USERNAMES: ' Anna, bob_2 ,,',
      AUTH_EXTERNAL_ROLES_CLAIM: 'realm_access.roles',
      REPORTS_PER_USER_PER_HOUR: '3',
      BAN_REFRESH_INTERVAL_SECONDS: '1',
    });
    expect([...config.moderatorUsernames]).toEqual(['anna', 'bob_2']);
    expect(config).toMatchObject({
      authExternalRolesClaim: 'realm_access.roles',
      reportsPerUserPerHour: 3,
      banRefreshIntervalSeconds: 1,
    });
    expect(problem({ MODERATOR_USERNAMES: 'anna, no way' })).toMatch(
      /MODERATOR_USERNAMES must be .* "no way"/,
    );
    expect(problem({ AUTH_EXTERNAL_ROLES_CLAIM: 'a..b' })).toMatch(/AUTH_EXTERNAL_ROLES_CLAIM must be/);
    expect(problem({ BAN_REFRESH_INTERVAL_SECONDS: '0' })).toMatch(/BAN_REFRESH_INTERVAL_SECONDS must be/);
  });

  it('accepts no platform tokens by default, and reads the shared secret or the JWKS settings', () => {
    const defaults = loadConfig({});
    expect(defaults.authLocalEnabled).toBe(true);
    expect(defaults.platformAuth).toEqual({
      secret: undefined,
      secretAlgorithms: ['HS256'],
      jwksUrl: undefined,
      jwksCooldownMs: 30_000,
      issuer: undefined,
      audience: undefined,
      idClaim: undefined,
      usernameClaim: 'username',
      nameClaim: 'name',
    });
    const secret = 'p'.repeat(40);
    const config = loadConfig({
      AUTH_EXTERNAL_JWT_SECRET: secret,
      AUTH_EXTERNAL_JWT_ALGORITHMS: 'HS256, HS512',
      AUTH_EXTERNAL_JWKS_URL: 'https://id.example.org/jwks',
      AUTH_EXTERNAL_ISSUER: 'https://id.example.org',
      AUTH_EXTERNAL_AUDIENCE: 'chat',
      AUTH_EXTERNAL_JWKS_COOLDOWN_SECONDS: '5',
      AUTH_EXTERNAL_ID_CLAIM: 'sub',
      AUTH_EXTERNAL_USERNAME_CLAIM: 'preferred_username',
      AUTH_EXTERNAL_NAME_CLAIM: 'profile.name',
      AUTH_LOCAL_ENABLED: 'false',
    });
    expect(config.authLocalEnabled).toBe(false);
    expect(config.platformAuth).toEqual({
      secret,
      secretAlgorithms: ['HS256', 'HS512'],
      jwksUrl: 'https://id.example.org/jwks',
      jwksCooldownMs: 5000,
      issuer: 'https://id.example.org',
      audience: 'chat',
      idClaim: 'sub',
      usernameClaim: 'preferred_username',
      nameClaim: 'profile.name',
    });
  });

  it('refuses platform token settings that cannot work or are unsafe', () => {
    const jwks = { AUTH_EXTERNAL_JWKS_URL: 'https://id.example.org/jwks' };
    expect(problem({ ...jwks, AUTH_EXTERNAL_AUDIENCE: 'chat' })).toMatch(
      /AUTH_EXTERNAL_ISSUER is required when AUTH_EXTERNAL_JWKS_URL is set/,
    );
    expect(problem({ ...jwks, AUTH_EXTERNAL_ISSUER: 'https://id.example.org' })).toMatch(
      /AUTH_EXTERNAL_AUDIENCE is required when AUTH_EXTERNAL_JWKS_URL is set/,
    );
    expect(problem({ AUTH_EXTERNAL_JWKS_URL: 'ftp://id.example.org/jwks' })).toMatch(
      /AUTH_EXTERNAL_JWKS_URL must use/,
    );
    expect(problem({ AUTH_EXTERNAL_JWT_SECRET: 'short' })).toMatch(
      /AUTH_EXTERNAL_JWT_SECRET must be at least 32/,
    );
    expect(problem({ JWT_SECRET: 's'.repeat(40), AUTH_EXTERNAL_JWT_SECRET: 's'.repeat(40) })).toMatch(
      /AUTH_EXTERNAL_JWT_SECRET must differ from JWT_SECRET/,
    );
    for (const algorithms of ['RS256', 'none', 'HS256,']) {
      expect(
        problem({ AUTH_EXTERNAL_JWT_SECRET: 'p'.repeat(40), AUTH_EXTERNAL_JWT_ALGORITHMS: algorithms }),
      ).toMatch(/AUTH_EXTERNAL_JWT_ALGORITHMS must be/);
    }
    expect(problem({ AUTH_EXTERNAL_ID_CLAIM: 'a b' })).toMatch(/AUTH_EXTERNAL_ID_CLAIM must be/);
    expect(problem({ AUTH_LOCAL_ENABLED: 'false' })).toMatch(
      /AUTH_LOCAL_ENABLED may be false only when platform tokens are configured/,
    );
    expect(problem({ AUTH_LOCAL_ENABLED: 'maybe' })).toMatch(/AUTH_LOCAL_ENABLED must be true or false/);
  });

  it('sends no e-mail without SMTP_URL, and wants a sender and the web app with it', () => {
    const off = loadConfig({}, '/srv/app').email;
    expect(off).toMatchObject({
      smtpUrl: undefined,
      publicWebUrl: 'http://localhost:3000',
      publicApiUrl: 'http://localhost:3000',
      digestDelaySeconds: 600,
      digestScanSeconds: 60,
    });
    expect(off.unsubscribeSecret).toHaveLength(43);
    const env = {
      SMTP_URL: 'smtps://user:pass@smtp.example.org:465',
      EMAIL_FROM: 'Rescue chat <no-reply@example.org>',
      PUBLIC_WEB_URL: 'https://chat.example.org/',
    };
    expect(loadConfig(env, '/srv/app').email).toMatchObject({
      smtpUrl: 'smtps://user:pass@smtp.example.org:465',
      from: 'Rescue chat <no-reply@example.org>',
      publicWebUrl: 'https://chat.example.org',
      publicApiUrl: 'https://chat.example.org',
    });
    expect(
      loadConfig(
        {
          ...env,
          PUBLIC_API_URL: 'https://api.example.org',
          EMAIL_UNSUBSCRIBE_SECRET: SECRET,
          EMAIL_DIGEST_DELAY_SECONDS: '0',
          EMAIL_DIGEST_SCAN_SECONDS: '5',
        },
        '/srv/app',
      ).email,
    ).toMatchObject({
      publicApiUrl: 'https://api.example.org',
      unsubscribeSecret: SECRET,
      digestDelaySeconds: 0,
      digestScanSeconds: 5,
    });
    expect(problem({ SMTP_URL: 'http://smtp.example.org' })).toMatch(/SMTP_URL must use smtp: or smtps:/);
    expect(problem({ SMTP_URL: env.SMTP_URL, PUBLIC_WEB_URL: env.PUBLIC_WEB_URL })).toMatch(
      /EMAIL_FROM is required/,
    );
    expect(problem({ SMTP_URL: env.SMTP_URL, EMAIL_FROM: env.EMAIL_FROM })).toMatch(
      /PUBLIC_WEB_URL is required/,
    );
    expect(problem({ ...env, EMAIL_FROM: 'no address' })).toMatch(/EMAIL_FROM must be an address/);
    expect(problem({ EMAIL_UNSUBSCRIBE_SECRET: 'short' })).toMatch(
      /EMAIL_UNSUBSCRIBE_SECRET must be at least 32/,
    );
    expect(problem({ EMAIL_DIGEST_SCAN_SECONDS: '0' })).toMatch(
      /EMAIL_DIGEST_SCAN_SECONDS must be an integer from 1/,
    );
  });
});
