import { useEffect, useState } from 'preact/hooks';
import {
  ChatApiError,
  ChatClient,
  localTokens,
  login,
  type Session,
  type Snapshot,
  type TokenProvider,
} from '../../client/src/index.ts';

/** What the browser keeps between visits: the chat's own session, or a pasted platform token. */
type Saved = { kind: 'local'; session: Session } | { kind: 'token'; token: string };

const KEY = 'rescue-chat.session';
const OUTBOX = 'rescue-chat.outbox';

type Outbox = ReturnType<ChatClient['pending']>;

function readOutbox(): Outbox {
  try {
    return JSON.parse(localStorage.getItem(OUTBOX) ?? '[]') as Outbox;
  } catch {
    return [];
  }
}

/** Sends the messages a previous page left unacknowledged (read before this page's store wrote). */
function resend(chat: ChatClient, leftover: Outbox): void {
  const queued = new Set(chat.pending().map((p) => p.input.client_message_id));
  for (const { chat_id, input } of leftover)
    if (!queued.has(input.client_message_id)) chat.send(chat_id, input);
}
const origin = location.origin;

function load(): Saved | null {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? 'null') as Saved | null;
  } catch {
    return null;
  }
}
function save(saved: Saved | null): void {
  if (saved) localStorage.setItem(KEY, JSON.stringify(saved));
  else localStorage.removeItem(KEY);
}

/** Typing and presence: socket events the SDK store leaves to the app. */
export class Live {
  private listeners = new Set<() => void>();
  /** chat id -> user id -> when the typing started (a true older than 5 s counts as false). */
  typing = new Map<number, Map<number, number>>();
  online = new Set<number>();
  version = 0;
  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  getSnapshot = () => this.version;
  changed(): void {
    this.version++;
    for (const l of this.listeners) l();
  }
  typers(chatId: number): number[] {
    const now = Date.now();
    return [...(this.typing.get(chatId) ?? new Map<number, number>())]
      .filter(([, at]) => now - at < 5000)
      .map(([id]) => id);
  }
}

export interface App {
  chat: ChatClient;
  /** Sends again what the previous page left unsent (once started). */
  restore: () => void;
  live: Live;
  tokens: TokenProvider;
  /** A REST call outside the typed document (routes added later, e.g. Web Push): null on 404. */
  raw: <T>(method: string, path: string, body?: unknown) => Promise<T | null>;
  logout: () => void;
}

function connect(saved: Saved, onSignedOut: () => void): App {
  const tokens: TokenProvider =
    saved.kind === 'local'
      ? localTokens({
          baseUrl: origin,
          session: saved.session,
          onSessionChange: (next) => {
            save(next ? { kind: 'local', session: next } : null);
            if (!next) onSignedOut();
          },
        })
      : { getToken: ({ refresh }) => (refresh ? null : saved.token) };
  const chat = new ChatClient({ baseUrl: origin, auth: tokens });
  // Unacknowledged sends survive a reload: kept in localStorage, sent again (same
  // client_message_id, so stored once) when the client starts.
  // Until the leftover is queued again, the (empty) outbox of this page does not replace it.
  const leftover = readOutbox();
  let restored = false;
  let lastOutbox = JSON.stringify(leftover);
  chat.store.subscribe(() => {
    if (!restored) return;
    const now = JSON.stringify(chat.pending());
    if (now !== lastOutbox) localStorage.setItem(OUTBOX, (lastOutbox = now));
  });
  const restore = () => {
    if (restored) return;
    resend(chat, leftover);
    restored = true;
  };
  const live = new Live();
  chat.socket.on('typing', (e) => {
    const users = live.typing.get(e.chat_id) ?? new Map<number, number>();
    if (e.is_typing) users.set(e.user_id, Date.now());
    else users.delete(e.user_id);
    live.typing.set(e.chat_id, users);
    live.changed();
  });
  chat.socket.on('presence', (e) => {
    if (e.online) live.online.add(e.user_id);
    else live.online.delete(e.user_id);
    live.changed();
  });
  const raw = async <T>(method: string, path: string, body?: unknown): Promise<T | null> => {
    const token = await tokens.getToken({ refresh: false });
    const response = await fetch(`${origin}/api/v1${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.status === 204 ? ({} as T) : ((await response.json()) as T);
  };
  return {
    chat,
    restore,
    live,
    tokens,
    raw,
    logout: () => {
      chat.stop();
      void raw(
        'POST',
        '/auth/logout',
        saved.kind === 'local' ? { refresh_token: saved.session.refresh_token } : {},
      ).catch(() => {});
      save(null);
      localStorage.removeItem(OUTBOX);
      onSignedOut();
    },
  };
}

/** The signed-in app, or null with the login actions. */
export function useSession() {
  const [app, setApp] = useState<App | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const saved = load();
    if (!saved) return;
    const next = connect(saved, () => setApp(null));
    setApp(next);
    let retry: ReturnType<typeof setTimeout> | undefined;
    const start = () =>
      next.chat.start().then(
        () => next.restore(),
        (error: unknown) => {
          // A refused token signs out; anything else (offline, 503) keeps the session and tries again.
          if (error instanceof ChatApiError && error.status === 401) {
            save(null);
            setApp(null);
          } else retry = setTimeout(() => void start(), 3000);
        },
      );
    void start();
    return () => {
      clearTimeout(retry);
      next.chat.stop();
    };
  }, [version]);
  return {
    app,
    loginLocal: async (username: string, password: string) => {
      const { access_token, refresh_token, expires_in } = await login(origin, { username, password });
      save({ kind: 'local', session: { access_token, refresh_token, expires_in } });
      setVersion((v) => v + 1);
    },
    loginToken: async (token: string) => {
      const response = await fetch(`${origin}/api/v1/users/me`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      save({ kind: 'token', token });
      setVersion((v) => v + 1);
    },
  };
}

/** A subscribe/getSnapshot store as component state (useSyncExternalStore without preact/compat). */
function useExternal<T>(subscribe: (l: () => void) => () => unknown, get: () => T): T {
  const [value, setValue] = useState(get);
  useEffect(() => {
    const update = () => setValue(() => get());
    update();
    const off = subscribe(update);
    return () => void off();
  }, [subscribe, get]);
  return value;
}

export function useSnapshot(app: App): Snapshot {
  return useExternal(app.chat.store.subscribe, app.chat.store.getSnapshot);
}

export function useLive(app: App): Live {
  useExternal(app.live.subscribe, app.live.getSnapshot);
  return app.live;
}
