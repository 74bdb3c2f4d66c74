import { createECDH, createHmac } from 'node:crypto';
import { join } from 'node:path';

/** A token bucket: `burst` events at once, refilled at `perSecond`. */
export interface RateRule {
  burst: number;
  perSecond: number;
}

/** The per-user budget of each client socket event; `other` covers an event without its own. */
export interface SocketEventRates {
  messageSend: RateRule;
  messageEdit: RateRule;
  messageDelete: RateRule;
  chatRead: RateRule;
  chatSync: RateRule;
  typing: RateRule;
  other: RateRule;
}

/** What a socket may use: events, connections and the output it leaves unread. */
export interface SocketLimits {
  rates: SocketEventRates;
  /** Events of one socket whose handler has not finished; past it 429 at once. */
  maxEventsInFlight: number;
  /** Sockets one user may hold on this instance. */
  maxSocketsPerUser: number;
  /** Connection attempts per client address per minute. */
  handshakesPerAddressPerMinute: number;
  /** Connection attempts per user (valid token) per minute. */
  handshakesPerUserPerMinute: number;
  /** Output queued for a socket and not yet taken by the client; past it the socket is dropped. */
  maxUnsentBytes: number;
}

/** Where attachment bytes live: a folder on local disk, or an S3-compatible bucket. */
export type StorageConfig =
  | { driver: 'disk'; dir: string }
  | {
      driver: 's3';
      endpoint: string | undefined;
      bucket: string;
      region: string;
      accessKeyId: string | undefined;
      secretAccessKey: string | undefined;
      forcePathStyle: boolean;
    };

/** Uploads: per-kind limits, the per-user quota, signed URLs and the sweep of unattached uploads. */
export interface AttachmentsConfig {
  storage: StorageConfig;
  imageMaxBytes: number;
  imageMaxPixels: number;
  voiceMaxBytes: number;
  voiceMaxDurationMs: number;
  fileMaxBytes: number;
  /** Bytes of live attachments (originals and thumbnails) one user may hold. */
  userQuotaBytes: number;
  /** Key of the HMAC that signs attachment URLs. */
  urlSecret: string;
  urlTtlSeconds: number;
  /** Origin (and path prefix) put before attachment URLs; unset: they are relative paths. */
  urlBase: string | undefined;
  /** An upload no message took within this is removed, bytes and row. */
  unattachedTtlSeconds: number;
  /** An attachment marked deleted (message or chat deleted, avatar replaced) keeps its bytes this long. */
  deletedGraceSeconds: number;
  sweepIntervalSeconds: number;
}

/** E-mail digests (issue 16): the SMTP relay, the links in the mails and the digests' timing. */
export interface EmailConfig {
  /** nodemailer connection URL (`smtp://`, `smtps://`); unset: no e-mail is sent, digests are off. */
  smtpUrl: string | undefined;
  /** The From of every mail, e.g. `Rescue chat <no-reply@example.org>`. */
  from: string;
  /** The web app, linked from every digest. */
  publicWebUrl: string;
  /** The origin (and path prefix) where this API is reached from outside: unsubscribe links point there. */
  publicApiUrl: string;
  /** Key of the HMAC that signs unsubscribe tokens. */
  unsubscribeSecret: string;
  /** Unread messages younger than this wait for the next scan (the user may still read them). */
  digestDelaySeconds: number;
  /** How often one instance (any) looks for users a digest is due to. */
  digestScanSeconds: number;
}

/** One allowed push service host (PUSH_ENDPOINT_HOSTS), with the one port allowed on it. */
export interface AllowedPushHost {
  host: string;
  port: number;
}

/** Web Push (README, "Web Push"): VAPID keys, which push services, and how pushes are timed. */
export interface PushConfig {
  /** VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY; unset (development, tests): kept in {@link vapidKeysFile}. */
  vapidKeys: { publicKey: string; privateKey: string } | undefined;
  /** VAPID_KEYS_FILE: where generated keys are kept outside production (the data folder). */
  vapidKeysFile: string;
  /** The `sub` of the VAPID JWT: a mailto: or https: contact for the push services. */
  vapidSubject: string;
  /**
   * Push service hosts an endpoint may be on (lower case), each with the one port allowed (443
   * unless `host:port`); `*.domain` matches the hosts under domain (not an IP, not domain itself).
   */
  endpointHosts: AllowedPushHost[];
  /** Messages of a chat within this after the first share one fan-out (one push per recipient). */
  coalesceMs: number;
  /** How often idle push workers look for jobs. */
  pollIntervalMs: number;
  /** How long a push service keeps an undelivered push (the TTL header). */
  ttlSeconds: number;
  /** A message older than this when its fan-out runs (after an outage) is not pushed. */
  maxAgeSeconds: number;
  /** How often each instance looks for chats whose messages were never fanned out. */
  sweepIntervalSeconds: number;
}

/** The browser push services (Chrome FCM, Firefox autopush, Safari, Edge WNS). */
export const DEFAULT_PUSH_ENDPOINT_HOSTS = [
  'fcm.googleapis.com',
  'updates.push.services.mozilla.com',
  'web.push.apple.com',
  '*.notify.windows.com',
];

/** The asymmetric algorithms a JWKS key may sign platform tokens with. */
export const PLATFORM_JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;
export const PLATFORM_HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;
export type PlatformHmacAlgorithm = (typeof PLATFORM_HMAC_ALGORITHMS)[number];

/** The issuer label users of shared-secret tokens are linked under when AUTH_EXTERNAL_ISSUER is unset. */
export const DEFAULT_PLATFORM_ISSUER = 'platform';

/**
 * Tokens the rescue platform issues (AUTH_EXTERNAL_*): verified with a shared secret (HS*), or
 * with the keys of a JWKS URL (RS256/ES256, issuer and audience checked), or both.
 */
export interface PlatformAuthConfig {
  /** AUTH_EXTERNAL_JWT_SECRET; unset: shared-secret tokens are not accepted. */
  secret: string | undefined;
  /** AUTH_EXTERNAL_JWT_ALGORITHMS: the HMAC algorithms the secret may sign with. */
  secretAlgorithms: PlatformHmacAlgorithm[];
  /** AUTH_EXTERNAL_JWKS_URL; unset: asymmetric tokens are not accepted. */
  jwksUrl: string | undefined;
  /**
   * AUTH_EXTERNAL_JWKS_COOLDOWN_SECONDS: a token with an unknown `kid` fetches the key set again,
   * at most once per this (jose's cooldown), so unknown kids cannot make the service hammer the URL.
   */
  jwksCooldownMs: number;
  /** AUTH_EXTERNAL_ISSUER: checked against `iss` when set; the label users are linked under. */
  issuer: string | undefined;
  /** AUTH_EXTERNAL_AUDIENCE: checked against `aud` when set (required with a JWKS URL). */
  audience: string | undefined;
  /** AUTH_EXTERNAL_ID_CLAIM; unset: `id`, else `sub`. */
  idClaim: string | undefined;
  usernameClaim: string;
  nameClaim: string;
}

/**
 * Typed, validated configuration. Built once from the environment by {@link loadConfig}; every
 * invalid value stops the service with one line that names the variable and what is wrong.
 */
export class AppConfig {
  readonly nodeEnv!: 'development' | 'production' | 'test';
  readonly host!: string;
  readonly port!: number;
  /** Unset: an embedded PostgreSQL is started under {@link embeddedPgDir} (refused in production). */
  readonly databaseUrl!: string | undefined;
  readonly embeddedPgDir!: string;
  readonly embeddedPgPort!: number;
  readonly databasePoolSize!: number;
  /** The most a request waits to open a database connection or to get one from the pool. */
  readonly databaseConnectTimeoutMs!: number;
  /**
   * The most one statement may take (PostgreSQL cancels it; a server that does not answer at all
   * is given up on too), and the most a send waits for its group-commit transaction.
   */
  readonly databaseQueryTimeoutMs!: number;
  readonly migrationsRun!: boolean;
  readonly jwtSecret!: string;
  readonly jwtAlgorithm!: 'HS256' | 'HS384' | 'HS512';
  readonly accessTokenTtlSeconds!: number;
  readonly refreshTokenTtlSeconds!: number;
  /** `true` allows any origin (development default); otherwise the exact list. */
  readonly corsOrigins!: true | string[];
  readonly redisUrl!: string | undefined;
  /** Prefix of every Redis key and pub/sub channel, so deployments (and test runs) can share a Redis. */
  readonly redisKeyPrefix!: string;
  /** An instance silent this long (no presence heartbeat in Redis) no longer counts its users online. */
  readonly presenceInstanceTimeoutSeconds!: number;
  /** The most any Redis command is awaited; while Redis is away, commands fail within this. */
  readonly redisCommandTimeoutMs!: number;
  /** Connections of the durable job queue (pg-boss), beside the service's own pool. */
  readonly jobsPoolSize!: number;
  /** On shutdown, how long jobs in hand may take to finish before the queue closes. */
  readonly jobsShutdownTimeoutMs!: number;
  /**
   * Whether the job queue holds a LISTEN connection, so that workers of queues that ask for it
   * (notify) are woken the moment a job is queued instead of at their next poll.
   */
  readonly jobsListenNotify!: boolean;
  readonly logLevel!: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /**
   * A chat with no send for this long has its search tail closed into a block (the search then
   * reads none of its messages directly); 0: never (tails close as their blocks complete).
   */
  readonly searchTailQuietSeconds!: number;
  /** Active members one chat may have. */
  readonly maxMembersPerChat!: number;
  /** Live chats one user may have created and still be an active member of. */
  readonly maxChatsPerUser!: number;
  /** Chats one user may create: a token bucket (CHAT_CREATE_RATE_LIMIT). */
  readonly chatCreateRate!: RateRule;
  /** People one user may add to chats, by adding members or as the members of a chat they create. */
  readonly memberAddRate!: RateRule;
  /** Requests one client (IP) may make to one route per {@link rateLimitWindowSeconds}. */
  readonly rateLimitMax!: number;
  /** The stricter budget of POST /auth/login and POST /auth/register, per client and route. */
  readonly authRateLimitMax!: number;
  readonly rateLimitWindowSeconds!: number;
  /** Failed logins one username may take per {@link authUsernameRateLimitWindowSeconds}, from any address. */
  readonly authUsernameRateLimitMax!: number;
  readonly authUsernameRateLimitWindowSeconds!: number;
  /** `trust proxy` (as on Express, trust-proxy.util.ts): which hops' X-Forwarded-For to believe. */
  readonly trustProxy!: false | number | string[];
  readonly socketLimits!: SocketLimits;
  /** When set, GET /metrics wants `Authorization: Bearer <metricsToken>`. */
  readonly metricsToken!: string | undefined;
  /**
   * When set, GET /metrics is served on this port of {@link host} only, by a listener of its own,
   * and the main port answers it 404 (`0`: any free port). Unset: on the main port.
   */
  readonly metricsPort!: number | undefined;
  /** How long readiness answers 503 before the listener closes, so load balancers move away. */
  readonly shutdownDelaySeconds!: number;
  /** The most a shutdown waits for in-flight requests and socket events before closing anyway. */
  readonly shutdownTimeoutSeconds!: number;
  readonly attachments!: AttachmentsConfig;
  /** Usernames (lower-case) that are moderators whatever their token says (MODERATOR_USERNAMES). */
  readonly moderatorUsernames!: ReadonlySet<string>;
  /**
   * The claim of a verified access token that lists its roles (a dotted path reaches into nested
   * objects, e.g. `realm_access.roles`); the role `moderator` makes a moderator.
   */
  readonly authExternalRolesClaim!: string;
  /** Platform tokens (issue 17): how they are verified and which claims say who the user is. */
  readonly platformAuth!: PlatformAuthConfig;
  /** AUTH_LOCAL_ENABLED: register, login and refresh exist (false: 404) and the own tokens count. */
  readonly authLocalEnabled!: boolean;
  /** Reports one user may file per hour (REPORTS_PER_USER_PER_HOUR). */
  readonly reportsPerUserPerHour!: number;
  /** How often each instance re-reads the bans from PostgreSQL (the fallback when Redis is away). */
  readonly banRefreshIntervalSeconds!: number;
  readonly email!: EmailConfig;
  readonly push!: PushConfig;

  constructor(values: AppConfig) {
    Object.assign(this, values);
    Object.freeze(this);
  }
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

/** The development default; refused in production, where a real secret is required. */
export const PLACEHOLDER_JWT_SECRET = 'dev-only-insecure-jwt-secret-change-me-0000';

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const value = raw.trim();
  return value === '' ? undefined : value;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = read(env, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = read(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${value}")`);
  }
  return Number(value);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = read(env, name)?.toLowerCase();
  if (value === undefined) return fallback;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new ConfigError(name, `must be true or false (got "${value}")`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const value = read(env, name);
  if (value === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `must be a URL such as ${protocols[0]}//host:port/...`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')} (got "${parsed.protocol}")`);
  }
  return value;
}

function corsOrigins(env: Env, production: boolean): true | string[] {
  const value = read(env, 'CORS_ORIGINS');
  if (value === undefined || value === '*') {
    if (value === undefined && production) return [];
    return true;
  }
  const origins = value.split(',').map((origin) => origin.trim());
  for (const origin of origins) {
    if (!/^https?:\/\/[^\s/]+$/.test(origin)) {
      throw new ConfigError(
        'CORS_ORIGINS',
        `must be * or a comma-separated list of origins (bad: "${origin}")`,
      );
    }
  }
  return origins;
}

function redisKeyPrefix(env: Env): string {
  const value = read(env, 'REDIS_KEY_PREFIX') ?? 'rescue-chat';
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(value)) {
    throw new ConfigError(
      'REDIS_KEY_PREFIX',
      `must be 1-64 characters of A-Z a-z 0-9 _ . : - (got "${value}")`,
    );
  }
  return value;
}

function trustProxy(env: Env): false | number | string[] {
  const value = read(env, 'TRUST_PROXY');
  if (value === undefined || value === 'false') return false;
  if (/^\d+$/.test(value) && Number(value) <= 10) return Number(value);
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (!/^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)$/.test(entry)) {
      throw new ConfigError(
        'TRUST_PROXY',
        `must be a hop count (0-10) or a comma-separated list of addresses, subnets, loopback, linklocal or uniquelocal (bad: "${entry}")`,
      );
    }
  }
  return entries;
}

/** `SOCKET_RATE_*`: `<burst>,<per second>`, e.g. `20,5`: 20 at once, then 5 a second. */
function rate(env: Env, name: string, fallback: RateRule): RateRule {
  const value = read(env, name);
  if (value === undefined) return fallback;
  const match = /^(\d+)\s*,\s*(\d+)$/.exec(value);
  const [burst, perSecond] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (burst < 1 || burst > 100_000 || perSecond < 1 || perSecond > 100_000) {
    throw new ConfigError(
      name,
      `must be "<burst>,<per second>", two integers from 1 to 100000 such as 20,5 (got "${value}")`,
    );
  }
  return { burst, perSecond };
}

/**
 * `CHAT_CREATE_RATE_LIMIT`, `MEMBER_ADD_RATE_LIMIT`: `<count>,<seconds>`, e.g. `30,3600`: `count`
 * at once, then refilled at `count` per `seconds` (a token bucket).
 */
function perWindow(env: Env, name: string, fallback: string): RateRule {
  const value = read(env, name) ?? fallback;
  const match = /^(\d+)\s*,\s*(\d+)$/.exec(value);
  const [count, seconds] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (count < 1 || count > 10_000_000 || seconds < 1 || seconds > 7 * 86_400) {
    throw new ConfigError(
      name,
      `must be "<count>,<seconds>", a count from 1 to 10000000 and seconds from 1 to 604800 such as 30,3600 (got "${value}")`,
    );
  }
  return { burst: count, perSecond: count / seconds };
}

function socketLimits(env: Env): SocketLimits {
  return {
    rates: {
      messageSend: rate(env, 'SOCKET_RATE_MESSAGE_SEND', { burst: 20, perSecond: 5 }),
      messageEdit: rate(env, 'SOCKET_RATE_MESSAGE_EDIT', { burst: 30, perSecond: 5 }),
      messageDelete: rate(env, 'SOCKET_RATE_MESSAGE_DELETE', { burst: 60, perSecond: 10 }),
      chatRead: rate(env, 'SOCKET_RATE_CHAT_READ', { burst: 120, perSecond: 20 }),
      chatSync: rate(env, 'SOCKET_RATE_CHAT_SYNC', { burst: 200, perSecond: 20 }),
      typing: rate(env, 'SOCKET_RATE_TYPING', { burst: 10, perSecond: 2 }),
      other: rate(env, 'SOCKET_RATE_OTHER', { burst: 30, perSecond: 5 }),
    },
    maxEventsInFlight: integer(env, 'SOCKET_MAX_EVENTS_IN_FLIGHT', 128, 1, 100_000),
    maxSocketsPerUser: integer(env, 'SOCKET_MAX_PER_USER', 20, 1, 100_000),
    handshakesPerAddressPerMinute: integer(env, 'SOCKET_HANDSHAKES_PER_ADDRESS', 600, 1, 10_000_000),
    handshakesPerUserPerMinute: integer(env, 'SOCKET_HANDSHAKES_PER_USER', 60, 1, 10_000_000),
    maxUnsentBytes: integer(env, 'SOCKET_MAX_UNSENT_BYTES', 8 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
  };
}

function metricsToken(env: Env): string | undefined {
  const value = read(env, 'METRICS_TOKEN');
  if (value !== undefined && value.length < 16) {
    throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters');
  }
  return value;
}

function metricsPort(env: Env, port: number): number | undefined {
  if (read(env, 'METRICS_PORT') === undefined) return undefined;
  const value = integer(env, 'METRICS_PORT', 0, 0, 65_535);
  if (value !== 0 && value === port) throw new ConfigError('METRICS_PORT', `must differ from PORT (${port})`);
  return value;
}

const MB = 1024 * 1024;

function storage(env: Env, projectRoot: string): StorageConfig {
  const driver = oneOf(env, 'STORAGE_DRIVER', ['disk', 's3'], 'disk');
  if (driver === 'disk') {
    return { driver, dir: read(env, 'STORAGE_DIR') ?? join(projectRoot, '.data', 'attachments') };
  }
  const bucket = read(env, 'S3_BUCKET');
  if (bucket === undefined) throw new ConfigError('S3_BUCKET', 'is required when STORAGE_DRIVER=s3');
  const accessKeyId = read(env, 'S3_ACCESS_KEY_ID');
  const secretAccessKey = read(env, 'S3_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError(
      accessKeyId === undefined ? 'S3_ACCESS_KEY_ID' : 'S3_SECRET_ACCESS_KEY',
      'must be set together with its pair (or neither, for the SDK default credentials)',
    );
  }
  return {
    driver,
    endpoint: url(env, 'S3_ENDPOINT', ['https:', 'http:']),
    bucket,
    region: read(env, 'S3_REGION') ?? 'us-east-1',
    accessKeyId,
    secretAccessKey,
    forcePathStyle: boolean(env, 'S3_FORCE_PATH_STYLE', false),
  };
}

/**
 * An HMAC key from variable `name`, or else one derived from JWT_SECRET (already a real secret in
 * production) for `purpose`, so that what one instance signs verifies on every other one.
 */
function signingSecret(env: Env, name: string, jwtSecret: string, purpose: string): string {
  const value = read(env, name);
  if (value === undefined) {
    return createHmac('sha256', jwtSecret).update(`rescue-chat ${purpose}`).digest('base64url');
  }
  if (value.length < 32) throw new ConfigError(name, 'must be at least 32 characters');
  return value;
}

function attachments(env: Env, projectRoot: string, jwtSecret: string): AttachmentsConfig {
  return {
    storage: storage(env, projectRoot),
    imageMaxBytes: integer(env, 'ATTACHMENT_IMAGE_MAX_BYTES', 20 * MB, 1, 1024 * MB),
    imageMaxPixels: integer(env, 'ATTACHMENT_IMAGE_MAX_PIXELS', 50_000_000, 1, 1_000_000_000),
    voiceMaxBytes: integer(env, 'ATTACHMENT_VOICE_MAX_BYTES', 20 * MB, 1, 1024 * MB),
    voiceMaxDurationMs: 1000 * integer(env, 'ATTACHMENT_VOICE_MAX_SECONDS', 15 * 60, 1, 24 * 3600),
    fileMaxBytes: integer(env, 'ATTACHMENT_FILE_MAX_BYTES', 25 * MB, 1, 1024 * MB),
    userQuotaBytes: integer(env, 'ATTACHMENT_USER_QUOTA_BYTES', 1024 * MB, 1, Number.MAX_SAFE_INTEGER),
    urlSecret: signingSecret(env, 'ATTACHMENT_URL_SECRET', jwtSecret, 'attachment urls'),
    urlTtlSeconds: integer(env, 'ATTACHMENT_URL_TTL_SECONDS', 3600, 600, 7 * 86_400),
    urlBase: url(env, 'ATTACHMENT_URL_BASE', ['https:', 'http:'])?.replace(/\/+$/, ''),
    unattachedTtlSeconds: integer(env, 'ATTACHMENT_UNATTACHED_TTL_SECONDS', 86_400, 1, 30 * 86_400),
    deletedGraceSeconds: integer(env, 'ATTACHMENT_DELETED_GRACE_SECONDS', 3600, 0, 30 * 86_400),
    sweepIntervalSeconds: integer(env, 'ATTACHMENT_SWEEP_INTERVAL_SECONDS', 600, 1, 86_400),
  };
}

/** MODERATOR_USERNAMES: comma-separated usernames, folded to lower case as usernames are stored. */
function moderatorUsernames(env: Env): ReadonlySet<string> {
  const value = read(env, 'MODERATOR_USERNAMES');
  if (value === undefined) return new Set();
  const names = value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  for (const name of names) {
    if (!/^[a-z0-9_.-]{3,32}$/.test(name)) {
      throw new ConfigError(
        'MODERATOR_USERNAMES',
        `must be a comma-separated list of usernames (bad: "${name}")`,
      );
    }
  }
  return new Set(names);
}

function claimName(env: Env, name: string, fallback: string): string;
function claimName(env: Env, name: string, fallback: undefined): string | undefined;
function claimName(env: Env, name: string, fallback: string | undefined): string | undefined {
  const value = read(env, name) ?? fallback;
  if (value !== undefined && !/^[A-Za-z0-9_:/-]{1,100}(\.[A-Za-z0-9_:/-]{1,100}){0,4}$/.test(value)) {
    throw new ConfigError(
      name,
      `must be a claim name, or a dotted path of up to 5 names such as realm_access.roles (got "${value}")`,
    );
  }
  return value;
}

function rolesClaim(env: Env): string {
  return claimName(env, 'AUTH_EXTERNAL_ROLES_CLAIM', 'roles');
}

function platformAuth(env: Env, jwtSecret: string): PlatformAuthConfig {
  const secret = read(env, 'AUTH_EXTERNAL_JWT_SECRET');
  if (secret !== undefined && secret.length < 32) {
    throw new ConfigError('AUTH_EXTERNAL_JWT_SECRET', 'must be at least 32 characters');
  }
  if (secret !== undefined && secret === jwtSecret) {
    // One key for both would let a platform token pass as one of the service's own (and back).
    throw new ConfigError('AUTH_EXTERNAL_JWT_SECRET', 'must differ from JWT_SECRET');
  }
  const algorithms = (read(env, 'AUTH_EXTERNAL_JWT_ALGORITHMS') ?? 'HS256').split(',').map((a) => a.trim());
  for (const algorithm of algorithms) {
    if (!(PLATFORM_HMAC_ALGORITHMS as readonly string[]).includes(algorithm)) {
      throw new ConfigError(
        'AUTH_EXTERNAL_JWT_ALGORITHMS',
        `must be a comma-separated list of ${PLATFORM_HMAC_ALGORITHMS.join(', ')} (bad: "${algorithm}")`,
      );
    }
  }
  const jwksUrl = url(env, 'AUTH_EXTERNAL_JWKS_URL', ['https:', 'http:']);
  const issuer = read(env, 'AUTH_EXTERNAL_ISSUER');
  const audience = read(env, 'AUTH_EXTERNAL_AUDIENCE');
  if (jwksUrl !== undefined && issuer === undefined) {
    throw new ConfigError('AUTH_EXTERNAL_ISSUER', 'is required when AUTH_EXTERNAL_JWKS_URL is set');
  }
  if (jwksUrl !== undefined && audience === undefined) {
    throw new ConfigError('AUTH_EXTERNAL_AUDIENCE', 'is required when AUTH_EXTERNAL_JWKS_URL is set');
  }
  if (issuer !== undefined && issuer.length > 255) {
    throw new ConfigError('AUTH_EXTERNAL_ISSUER', 'must be at most 255 characters');
  }
  return {
    secret,
    secretAlgorithms: [...new Set(algorithms)] as PlatformHmacAlgorithm[],
    jwksUrl,
    jwksCooldownMs: 1000 * integer(env, 'AUTH_EXTERNAL_JWKS_COOLDOWN_SECONDS', 30, 0, 3600),
    issuer,
    audience,
    idClaim: claimName(env, 'AUTH_EXTERNAL_ID_CLAIM', undefined),
    usernameClaim: claimName(env, 'AUTH_EXTERNAL_USERNAME_CLAIM', 'username'),
    nameClaim: claimName(env, 'AUTH_EXTERNAL_NAME_CLAIM', 'name'),
  };
}

function email(env: Env, jwtSecret: string, port: number): EmailConfig {
  const smtpUrl = url(env, 'SMTP_URL', ['smtp:', 'smtps:']);
  const from = read(env, 'EMAIL_FROM');
  if (smtpUrl !== undefined && from === undefined) {
    throw new ConfigError(
      'EMAIL_FROM',
      'is required when SMTP_URL is set (e.g. "Rescue chat <no-reply@example.org>")',
    );
  }
  if (from !== undefined && !/^[^\r\n]*<?[^\s@<>]+@[^\s@<>]+>?$/.test(from)) {
    throw new ConfigError('EMAIL_FROM', `must be an address or "Name <address>" (got "${from}")`);
  }
  const publicWebUrl = url(env, 'PUBLIC_WEB_URL', ['https:', 'http:'])?.replace(/\/+$/, '');
  if (smtpUrl !== undefined && publicWebUrl === undefined) {
    throw new ConfigError('PUBLIC_WEB_URL', 'is required when SMTP_URL is set (digests link to the web app)');
  }
  const webUrl = publicWebUrl ?? `http://localhost:${port}`;
  return {
    smtpUrl,
    from: from ?? 'Rescue chat <no-reply@localhost>',
    publicWebUrl: webUrl,
    publicApiUrl: url(env, 'PUBLIC_API_URL', ['https:', 'http:'])?.replace(/\/+$/, '') ?? webUrl,
    unsubscribeSecret: signingSecret(env, 'EMAIL_UNSUBSCRIBE_SECRET', jwtSecret, 'email unsubscribe'),
    digestDelaySeconds: integer(env, 'EMAIL_DIGEST_DELAY_SECONDS', 600, 0, 86_400),
    digestScanSeconds: integer(env, 'EMAIL_DIGEST_SCAN_SECONDS', 60, 1, 3600),
  };
}

/** An uncompressed P-256 point (65 bytes) or a P-256 private key (32 bytes), base64url. */
function vapidKey(env: Env, name: string, bytes: 65 | 32): string | undefined {
  const value = read(env, name);
  if (value === undefined) return undefined;
  const raw = /^[A-Za-z0-9_-]+$/.test(value) ? Buffer.from(value, 'base64url') : Buffer.alloc(0);
  if (raw.length !== bytes || (bytes === 65 && raw[0] !== 4)) {
    throw new ConfigError(
      name,
      `must be a base64url ${bytes === 65 ? 'uncompressed P-256 public key (65 bytes)' : 'P-256 private key (32 bytes)'}, as web-push generate-vapid-keys prints`,
    );
  }
  return value;
}

/** Whether the P-256 private key's public point is `publicKey` (both base64url). */
function isVapidPair(publicKey: string, privateKey: string): boolean {
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'));
    return ecdh.getPublicKey().equals(Buffer.from(publicKey, 'base64url'));
  } catch {
    return false;
  }
}

function pushEndpointHosts(env: Env): AllowedPushHost[] {
  const value = read(env, 'PUSH_ENDPOINT_HOSTS');
  const entries = value === undefined ? DEFAULT_PUSH_ENDPOINT_HOSTS : value.split(',').map((e) => e.trim());
  return entries.map((entry) => {
    const match = /^((?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i.exec(entry);
    const port = match?.[2] === undefined ? 443 : Number(match[2]);
    if (
      !match ||
      port < 1 ||
      port > 65_535 ||
      (match[1].startsWith('*.') && !match[1].slice(2).includes('.'))
    ) {
      throw new ConfigError(
        'PUSH_ENDPOINT_HOSTS',
        `must be a comma-separated list of host names, each optionally *.domain or host:port (bad: "${entry}")`,
      );
    }
    return { host: match[1].toLowerCase(), port };
  });
}

function push(env: Env, projectRoot: string, production: boolean): PushConfig {
  const publicKey = vapidKey(env, 'VAPID_PUBLIC_KEY', 65);
  const privateKey = vapidKey(env, 'VAPID_PRIVATE_KEY', 32);
  if ((publicKey === undefined) !== (privateKey === undefined)) {
    throw new ConfigError(
      publicKey === undefined ? 'VAPID_PUBLIC_KEY' : 'VAPID_PRIVATE_KEY',
      'must be set together with its pair',
    );
  }
  if (publicKey && privateKey && !isVapidPair(publicKey, privateKey)) {
    throw new ConfigError('VAPID_PUBLIC_KEY', 'is not the public key of VAPID_PRIVATE_KEY');
  }
  const subject = read(env, 'VAPID_SUBJECT');
  if (production && publicKey === undefined) {
    throw new ConfigError(
      'VAPID_PUBLIC_KEY',
      'is required when NODE_ENV=production, with VAPID_PRIVATE_KEY and VAPID_SUBJECT (npx web-push generate-vapid-keys)',
    );
  }
  if (production && subject === undefined) {
    throw new ConfigError(
      'VAPID_SUBJECT',
      'is required when NODE_ENV=production (mailto: or https: contact)',
    );
  }
  if (subject !== undefined && !/^(mailto:\S+@\S+|https:\/\/\S+)$/.test(subject)) {
    throw new ConfigError('VAPID_SUBJECT', `must be a mailto: address or an https: URL (got "${subject}")`);
  }
  return {
    vapidKeys: publicKey && privateKey ? { publicKey, privateKey } : undefined,
    vapidKeysFile: read(env, 'VAPID_KEYS_FILE') ?? join(projectRoot, '.data', 'vapid-keys.json'),
    vapidSubject: subject ?? 'mailto:rescue-chat@localhost',
    endpointHosts: pushEndpointHosts(env),
    coalesceMs: integer(env, 'PUSH_COALESCE_MS', 1000, 0, 60_000),
    pollIntervalMs: integer(env, 'PUSH_POLL_INTERVAL_MS', 2000, 500, 60_000),
    ttlSeconds: integer(env, 'PUSH_TTL_SECONDS', 86_400, 0, 28 * 86_400),
    maxAgeSeconds: integer(env, 'PUSH_MAX_AGE_SECONDS', 3600, 10, 7 * 86_400),
    sweepIntervalSeconds: integer(env, 'PUSH_SWEEP_INTERVAL_SECONDS', 60, 1, 86_400),
  };
}

export function loadConfig(env: Env = process.env, projectRoot = process.cwd()): AppConfig {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'], 'development');
  const production = nodeEnv === 'production';

  const jwtSecret = read(env, 'JWT_SECRET') ?? (production ? undefined : PLACEHOLDER_JWT_SECRET);
  if (jwtSecret === undefined) {
    throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production');
  }
  if (production && jwtSecret === PLACEHOLDER_JWT_SECRET) {
    throw new ConfigError('JWT_SECRET', 'is the development placeholder; set a real secret in production');
  }
  if (jwtSecret.length < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  }

  const accessTokenTtlSeconds = integer(env, 'JWT_ACCESS_TTL_SECONDS', 900, 10, 86_400);
  const refreshTokenTtlSeconds = integer(env, 'JWT_REFRESH_TTL_SECONDS', 30 * 86_400, 60, 365 * 86_400);
  if (refreshTokenTtlSeconds <= accessTokenTtlSeconds) {
    throw new ConfigError('JWT_REFRESH_TTL_SECONDS', 'must be longer than JWT_ACCESS_TTL_SECONDS');
  }

  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  if (production && databaseUrl === undefined) {
    throw new ConfigError(
      'DATABASE_URL',
      'is required when NODE_ENV=production (the embedded PostgreSQL is for development only)',
    );
  }

  const port = integer(env, 'PORT', 3000, 0, 65_535);

  const platform = platformAuth(env, jwtSecret);
  const authLocalEnabled = boolean(env, 'AUTH_LOCAL_ENABLED', true);
  if (!authLocalEnabled && platform.secret === undefined && platform.jwksUrl === undefined) {
    throw new ConfigError(
      'AUTH_LOCAL_ENABLED',
      'may be false only when platform tokens are configured (AUTH_EXTERNAL_JWT_SECRET or AUTH_EXTERNAL_JWKS_URL)',
    );
  }

  return new AppConfig({
    nodeEnv,
    host: read(env, 'HOST') ?? '0.0.0.0',
    port,
    databaseUrl,
    embeddedPgDir: read(env, 'EMBEDDED_PG_DIR') ?? join(projectRoot, '.data', 'postgres'),
    embeddedPgPort: integer(env, 'EMBEDDED_PG_PORT', 54329, 1, 65_535),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 200),
    databaseConnectTimeoutMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 3000, 100, 60_000),
    databaseQueryTimeoutMs: integer(env, 'DATABASE_QUERY_TIMEOUT_MS', 5000, 100, 600_000),
    migrationsRun: boolean(env, 'MIGRATIONS_RUN', true),
    jwtSecret,
    jwtAlgorithm: oneOf(env, 'JWT_ALGORITHM', ['HS256', 'HS384', 'HS512'], 'HS256'),
    accessTokenTtlSeconds,
    refreshTokenTtlSeconds,
    corsOrigins: corsOrigins(env, production),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: redisKeyPrefix(env),
    presenceInstanceTimeoutSeconds: integer(env, 'PRESENCE_INSTANCE_TIMEOUT_SECONDS', 30, 3, 3600),
    redisCommandTimeoutMs: integer(env, 'REDIS_COMMAND_TIMEOUT_MS', 1000, 50, 60_000),
    jobsPoolSize: integer(env, 'JOBS_POOL_SIZE', 3, 1, 50),
    jobsShutdownTimeoutMs: integer(env, 'JOBS_SHUTDOWN_TIMEOUT_MS', 5000, 0, 600_000),
    jobsListenNotify: boolean(env, 'JOBS_LISTEN_NOTIFY', true),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], 'info'),
    searchTailQuietSeconds: integer(env, 'SEARCH_TAIL_QUIET_SECONDS', 60, 0, 86_400),
    maxMembersPerChat: integer(env, 'MAX_MEMBERS_PER_CHAT', 200, 2, 10_000),
    maxChatsPerUser: integer(env, 'MAX_CHATS_PER_USER', 1000, 1, 100_000),
    chatCreateRate: perWindow(env, 'CHAT_CREATE_RATE_LIMIT', '30,3600'),
    memberAddRate: perWindow(env, 'MEMBER_ADD_RATE_LIMIT', '300,3600'),
    rateLimitMax: integer(env, 'RATE_LIMIT_MAX', 600, 1, 10_000_000),
    authRateLimitMax: integer(env, 'AUTH_RATE_LIMIT_MAX', 10, 1, 10_000_000),
    rateLimitWindowSeconds: integer(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
    authUsernameRateLimitMax: integer(env, 'AUTH_USERNAME_RATE_LIMIT_MAX', 10, 1, 10_000_000),
    authUsernameRateLimitWindowSeconds: integer(
      env,
      'AUTH_USERNAME_RATE_LIMIT_WINDOW_SECONDS',
      300,
      1,
      86_400,
    ),
    trustProxy: trustProxy(env),
    socketLimits: socketLimits(env),
    metricsToken: metricsToken(env),
    metricsPort: metricsPort(env, port),
    shutdownDelaySeconds: integer(env, 'SHUTDOWN_DELAY_SECONDS', 0, 0, 120),
    shutdownTimeoutSeconds: integer(env, 'SHUTDOWN_TIMEOUT_SECONDS', 25, 1, 600),
    attachments: attachments(env, projectRoot, jwtSecret),
    moderatorUsernames: moderatorUsernames(env),
    authExternalRolesClaim: rolesClaim(env),
    platformAuth: platform,
    authLocalEnabled,
    reportsPerUserPerHour: integer(env, 'REPORTS_PER_USER_PER_HOUR', 20, 1, 100_000),
    banRefreshIntervalSeconds: integer(env, 'BAN_REFRESH_INTERVAL_SECONDS', 5, 1, 3600),
    email: email(env, jwtSecret, port),
    push: push(env, projectRoot, production),
  });
}
