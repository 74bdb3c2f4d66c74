import { ChatClient, localTokens, type Session, type Snapshot, type StoredMessage } from '../../src/index.ts';
import type { TestApp } from '../../../test/support/app.fixture.ts';
import { type ChatBody, createChat } from '../../../test/support/chats.helpers.ts';
import { registerUser, type TestUser } from '../../../test/support/users.helpers.ts';

export interface SdkUser {
  user: TestUser;
  client: ChatClient;
  /** The sessions the token provider rotated to, in order. */
  sessions: (Session | null)[];
}

const started: ChatClient[] = [];

/** A registered user and an SDK client logged in as them through `origin` (the app, or a proxy in front of it). */
export async function sdkUser(t: TestApp, origin: string = t.origin, prefix = 'sdk'): Promise<SdkUser> {
  const user = await registerUser(t, prefix);
  const sessions: (Session | null)[] = [];
  const client = new ChatClient({
    baseUrl: origin,
    auth: localTokens({
      baseUrl: origin,
      session: { access_token: user.access_token, refresh_token: user.refresh_token },
      onSessionChange: (session) => sessions.push(session),
    }),
    ackTimeoutMs: 3000,
    socket: { reconnectionDelay: 100, reconnectionDelayMax: 500 },
  });
  started.push(client);
  return { user, client, sessions };
}

/** Users a and b, a chat b made with a, and a's client started (online) with the chat open. */
export async function chatOfTwo(t: TestApp): Promise<{ a: SdkUser; b: SdkUser; chat: ChatBody }> {
  const a = await sdkUser(t);
  const b = await sdkUser(t);
  const chat = await createChat(t, b.user, [a.user]);
  await a.client.start();
  await a.client.openChat(chat.id);
  await until(a.client, (s) => s.connection === 'online');
  return { a, b, chat };
}

/** Stops every client the suite started. */
export function stopClients(): void {
  for (const client of started.splice(0)) client.stop();
}

/** Resolves when the store's snapshot satisfies `predicate` (checked on every change). */
export function until(
  client: ChatClient,
  predicate: (s: Snapshot) => boolean,
  timeoutMs = 15_000,
): Promise<Snapshot> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const snapshot = client.store.getSnapshot();
      if (!predicate(snapshot)) return false;
      clearTimeout(timer);
      unsubscribe();
      resolve(snapshot);
      return true;
    };
    const timer = setTimeout(() => {
      unsubscribe();
      reject(
        new Error(`timed out waiting for the store; last snapshot: ${describe(client.store.getSnapshot())}`),
      );
    }, timeoutMs);
    const unsubscribe = client.store.subscribe(() => void check());
    check();
  });
}

/** The stored (acknowledged) messages of a chat in the snapshot. */
export function stored(snapshot: Snapshot, chatId: number): StoredMessage[] {
  return (snapshot.messages.get(chatId)?.items ?? []).filter((m): m is StoredMessage => m.status === 'sent');
}

function describe(snapshot: Snapshot): string {
  const lists = [...snapshot.messages].map(
    ([id, list]) => `${id}: ${list.items.map((m) => m.status).join(',')}`,
  );
  return `connection=${snapshot.connection} chats=${snapshot.chats.length} ${lists.join(' | ')}`;
}
