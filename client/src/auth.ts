import { toApiError } from './types.ts';

/**
 * Where the SDK gets its access token. The host application owns the tokens (the platform's own,
 * or the chat's local ones through {@link localTokens}); the SDK asks for one before every request
 * and socket (re)connect, and asks for a NEW one after a 401, a refused handshake
 * (`unauthorized`) or an `auth:expired` event.
 */
export interface TokenProvider {
  /**
   * The access token to send. With `refresh: true` the last one was refused: return a fresh one,
   * or null when the user is signed out (the SDK then stops retrying and reports `signed_out`).
   */
  getToken(options: { refresh: boolean }): string | null | Promise<string | null>;
}

/** Several 401s at once make one refresh; a caller holding an already replaced token gets the new one. */
export class TokenManager {
  private refreshing: Promise<string | null> | undefined;

  constructor(private readonly provider: TokenProvider) {}

  async get(): Promise<string | null> {
    if (this.refreshing) return this.refreshing;
    return this.provider.getToken({ refresh: false });
  }

  /** A token other than `stale`: the provider's current one if it already changed, else a refreshed one. */
  refresh(stale: string | null): Promise<string | null> {
    this.refreshing ??= (async () => {
      const current = await this.provider.getToken({ refresh: false });
      if (current && current !== stale) return current;
      return this.provider.getToken({ refresh: true });
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }
}

/** The tokens of the chat's own login (`POST /api/v1/auth/login`, `/register`, `/refresh`). */
export interface Session {
  access_token: string;
  refresh_token: string;
  /** Seconds the access token lives; the provider refreshes shortly before it runs out (30 s, or a fifth of a short lifetime). */
  expires_in?: number;
}

export interface LocalTokensOptions {
  /** The service's origin, e.g. `https://chat.example.org`. */
  baseUrl: string;
  session: Session;
  /** Called with each rotated session (store it) and with null when the refresh token is refused. */
  onSessionChange?: (session: Session | null) => void;
  fetch?: typeof fetch;
}

/**
 * A {@link TokenProvider} over the chat's own tokens: refreshes through `POST /api/v1/auth/refresh`
 * (rotation: the old refresh token stops working, so concurrent refreshes are folded into one).
 */
export function localTokens(options: LocalTokensOptions): TokenProvider & { session(): Session | null } {
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  let session: Session | null = options.session;
  let refreshAt = refreshTime(session);
  let refreshing: Promise<string | null> | undefined;

  const refresh = (): Promise<string | null> =>
    (refreshing ??= (async () => {
      if (!session) return null;
      const response = await doFetch(`${options.baseUrl.replace(/\/$/, '')}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refresh_token: session.refresh_token }),
      });
      if (response.status === 401 || response.status === 404) {
        session = null;
        options.onSessionChange?.(null);
        return null;
      }
      if (!response.ok) throw new Error(`token refresh failed: HTTP ${response.status}`);
      const body = (await response.json()) as Session;
      session = {
        access_token: body.access_token,
        refresh_token: body.refresh_token,
        expires_in: body.expires_in,
      };
      refreshAt = refreshTime(session);
      options.onSessionChange?.(session);
      return session.access_token;
    })().finally(() => {
      refreshing = undefined;
    }));

  return {
    session: () => session,
    getToken: ({ refresh: force }) => {
      if (refreshing) return refreshing;
      if (!session) return null;
      if (force || Date.now() >= refreshAt) return refresh();
      return session.access_token;
    },
  };
}

/** When to refresh ahead of expiry: 30 s before, or a fifth of the lifetime before for short-lived tokens. */
function refreshTime(session: Session): number {
  if (!session.expires_in) return Infinity;
  const lifetime = session.expires_in * 1000;
  return Date.now() + lifetime - Math.min(30_000, lifetime / 5);
}

/** `POST /api/v1/auth/login` with the chat's own accounts: the session for {@link localTokens}. */
export async function login(
  baseUrl: string,
  credentials: { username: string; password: string },
  fetchImpl: typeof fetch = (input, init) => globalThis.fetch(input, init),
): Promise<Session & { user: { id: number; username: string; display_name: string } }> {
  const response = await fetchImpl(`${baseUrl.replace(/\/$/, '')}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(credentials),
  });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw toApiError(response.status, body);
  return body as Session & { user: { id: number; username: string; display_name: string } };
}
