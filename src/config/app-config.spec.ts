import { ConfigError, loadConfig, PLACEHOLDER_JWT_SECRET } from './app-config';

const SECRET = 'a-real-secret-a-real-secret-a-real-secret';

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
      logLevel: 'info',
      maxMembersPerChat: 200,
      maxChatsPerUser: 1000,
      rateLimitMax: 600,
      authRateLimitMax: 10,
      rateLimitWindowSeconds: 60,
      trustProxy: false,
      metricsToken: undefined,
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
        PORT: '8080',
        DATABASE_URL: 'postgres://u:p@db:5432/chat',
        JWT_SECRET: SECRET,
        JWT_ACCESS_TTL_SECONDS: '60',
        JWT_REFRESH_TTL_SECONDS: '3600',
        CORS_ORIGINS: 'https://a.example, https://b.example',
        REDIS_URL: 'redis://cache:6379',
        REDIS_KEY_PREFIX: 'chat-staging',
        LOG_LEVEL: 'debug',
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
      logLevel: 'debug',
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
    [{ NODE_ENV: 'staging' }, /NODE_ENV must be one of development, production, test/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ MIGRATIONS_RUN: 'maybe' }, /MIGRATIONS_RUN must be true or false/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET must be at least 32 characters/],
    [{ JWT_ALGORITHM: 'none' }, /JWT_ALGORITHM must be one of HS256, HS384, HS512/],
    [
      { JWT_ACCESS_TTL_SECONDS: '600', JWT_REFRESH_TTL_SECONDS: '300' },
      /JWT_REFRESH_TTL_SECONDS must be longer/,
    ],
    [{ MAX_MEMBERS_PER_CHAT: '1' }, /MAX_MEMBERS_PER_CHAT must be an integer from 2 to 10000/],
    [{ MAX_CHATS_PER_USER: 'lots' }, /MAX_CHATS_PER_USER must be an integer/],
    [{ CORS_ORIGINS: 'example.com' }, /CORS_ORIGINS must be \* or a comma-separated list/],
    [{ RATE_LIMIT_MAX: '0' }, /RATE_LIMIT_MAX must be an integer from 1/],
    [{ AUTH_RATE_LIMIT_MAX: 'ten' }, /AUTH_RATE_LIMIT_MAX must be an integer/],
    [{ RATE_LIMIT_WINDOW_SECONDS: '-5' }, /RATE_LIMIT_WINDOW_SECONDS must be an integer/],
    [{ TRUST_PROXY: 'true' }, /TRUST_PROXY must be a hop count/],
    [{ TRUST_PROXY: '10.0.0.0/8, *' }, /TRUST_PROXY .*\(bad: "\*"\)/],
    [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 16 characters/],
    [{ SHUTDOWN_TIMEOUT_SECONDS: '0' }, /SHUTDOWN_TIMEOUT_SECONDS must be an integer from 1 to 600/],
    [{ SHUTDOWN_DELAY_SECONDS: '1000' }, /SHUTDOWN_DELAY_SECONDS must be an integer from 0 to 120/],
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
        TRUST_PROXY: 'loopback, 10.0.0.0/8',
        METRICS_TOKEN: 'metrics-token-0123456789',
        SHUTDOWN_DELAY_SECONDS: '5',
        SHUTDOWN_TIMEOUT_SECONDS: '40',
      },
      '/srv/app',
    );
    expect(config).toMatchObject({
      rateLimitMax: 100,
      authRateLimitMax: 3,
      rateLimitWindowSeconds: 10,
      trustProxy: ['loopback', '10.0.0.0/8'],
      metricsToken: 'metrics-token-0123456789',
      shutdownDelaySeconds: 5,
      shutdownTimeoutSeconds: 40,
    });
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
  });

  it('requires a JWT secret in production', () => {
    expect(problem({ NODE_ENV: 'production' })).toMatch(/JWT_SECRET is required when NODE_ENV=production/);
  });

  it('refuses the development placeholder secret in production', () => {
    expect(problem({ NODE_ENV: 'production', JWT_SECRET: PLACEHOLDER_JWT_SECRET })).toMatch(/placeholder/);
  });

  it('allows no cross-origin calls in production unless origins are listed', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET }).corsOrigins).toEqual([]);
  });
});
