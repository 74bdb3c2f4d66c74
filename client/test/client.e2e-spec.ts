import { decodeJwt } from 'jose';
import { Readable } from 'node:stream';
import { png } from '../../test/support/media.fixtures.ts';
import { useApp } from '../../test/support/app.fixture.ts';
import { createChat } from '../../test/support/chats.helpers.ts';
import { type ClientSocket, serverSocketOf } from '../../test/support/sockets.helpers.ts';
import {
  ChatApiError,
  ChatClient,
  localTokens,
  login,
  type Message,
  type UploadProgress,
} from '../src/index.ts';
import { chatOfTwo, sdkUser, stopClients, stored, until } from './support/clients.ts';
import { TcpProxy } from './support/tcp-proxy.ts';

/**
 * The SDK against the real service (HTTP, Socket.IO, PostgreSQL), with a TCP proxy between one
 * client and the service to drop its network.
 */
describe('client SDK against the running service', () => {
  const t = useApp();
  let proxy: TcpProxy;

  beforeEach(async () => {
    proxy = await TcpProxy.forOrigin(t.origin).start();
  });
  afterEach(async () => {
    stopClients();
    await proxy.close();
  });

  const rows = (chatId: number) =>
    t.db.query<{ seq: number; sender_id: number; client_message_id: string | null; content: string }[]>(
      'SELECT seq, sender_id, client_message_id, content FROM messages WHERE chat_id = $1 ORDER BY seq',
      [chatId],
    );

  it('delivers every message exactly once when the network drops in the middle of sends', async () => {
    const a = await sdkUser(t, proxy.origin, 'sdk_a');
    const b = await sdkUser(t);
    const chat = await createChat(t, a.user, [b.user]);
    await Promise.all([a.client.start(), b.client.start()]);
    await Promise.all([a.client.openChat(chat.id), b.client.openChat(chat.id)]);
    await until(a.client, (s) => s.connection === 'online');
    await until(b.client, (s) => s.connection === 'online');

    const handles = Array.from({ length: 30 }, (_, i) => a.client.send(chat.id, { content: `m${i + 1}` }));
    // Optimistic: all of them show at once, pending.
    expect(
      a.client.store
        .getSnapshot()
        .messages.get(chat.id)!
        .items.filter((m) => m.status === 'pending'),
    ).toHaveLength(30);

    await until(a.client, (s) => stored(s, chat.id).length >= 8);
    // The service's answers stop: the send in flight is stored, its ack is lost.
    proxy.mute();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const acked = stored(a.client.store.getSnapshot(), chat.id).length;
    let storedBeforeCut = 0;
    for (let waited = 0; waited < 5000 && storedBeforeCut <= acked; waited += 50) {
      storedBeforeCut = (await rows(chat.id)).length;
      if (storedBeforeCut <= acked) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(storedBeforeCut).toBeGreaterThan(acked);
    proxy.cut();
    await until(a.client, (s) => s.connection === 'offline');
    // More sends while offline wait in the outbox.
    handles.push(...Array.from({ length: 10 }, (_, i) => a.client.send(chat.id, { content: `m${i + 31}` })));
    await new Promise((resolve) => setTimeout(resolve, 500));
    proxy.restore();

    const sent = await Promise.all(handles.map((h) => h.sent));
    expect(sent.map((m) => m.content)).toEqual(Array.from({ length: 40 }, (_, i) => `m${i + 1}`));

    // The database: 40 messages, each client_message_id once, seq 1..40 in the order they were sent.
    const inDb = await rows(chat.id);
    expect(inDb.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(inDb.map((r) => r.content)).toEqual(sent.map((m) => m.content));
    expect(new Set(inDb.map((r) => r.client_message_id)).size).toBe(40);
    expect(inDb.map((r) => r.client_message_id)).toEqual(handles.map((h) => h.client_message_id));

    // The sender's store: 40 stored, nothing pending, no duplicate.
    const mine = await until(
      a.client,
      (s) => s.messages.get(chat.id)!.items.length === 40 && stored(s, chat.id).length === 40,
    );
    expect(stored(mine, chat.id).map((m) => m.seq)).toEqual(inDb.map((r) => r.seq));
    expect(new Set(mine.messages.get(chat.id)!.items.map((m) => m.key)).size).toBe(40);
    // The other member's store: each once, in order.
    const theirs = await until(b.client, (s) => stored(s, chat.id).length >= 40);
    expect(stored(theirs, chat.id).map((m) => m.content)).toEqual(inDb.map((r) => r.content));
    expect(theirs.chats.find((c) => c.id === chat.id)).toMatchObject({ unread_count: 40 });
  }, 60_000);

  it('catches up after a reconnect with chat:sync, without duplicates', async () => {
    const a = await sdkUser(t, proxy.origin, 'sdk_a');
    const b = await sdkUser(t);
    const chat = await createChat(t, b.user, [a.user]);
    await Promise.all([a.client.start(), b.client.start()]);
    await b.client.openChat(chat.id);
    await b.client.send(chat.id, { content: 'before' }).sent;
    await a.client.openChat(chat.id);
    await until(a.client, (s) => s.connection === 'online' && stored(s, chat.id).length === 1);

    proxy.cut();
    await until(a.client, (s) => s.connection === 'offline');
    for (let i = 1; i <= 5; i++) await b.client.send(chat.id, { content: `missed ${i}` }).sent;
    // Messages keep coming while the client reconnects: some reach it both live and in a page.
    const during = (async () => {
      for (let i = 1; i <= 10; i++) {
        await b.client.send(chat.id, { content: `during ${i}` }).sent;
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    })();
    proxy.restore();
    await during;

    const snapshot = await until(a.client, (s) => stored(s, chat.id).length === 16);
    const seqs = stored(snapshot, chat.id).map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(new Set(stored(snapshot, chat.id).map((m) => m.id)).size).toBe(16);
    await until(a.client, (s) => s.chats.find((c) => c.id === chat.id)?.unread_count === 16);

    // Syncing again (twice at once) adds nothing.
    await Promise.all([a.client.resync(), a.client.sync(chat.id), a.client.sync(chat.id)]);
    expect(stored(a.client.store.getSnapshot(), chat.id)).toHaveLength(16);
  }, 60_000);

  it('connects again by itself when the service closes the socket, and catches up', async () => {
    const { a, b, chat } = await chatOfTwo(t);
    const offline = until(a.client, (s) => s.connection === 'offline');
    // What an instance does to its sockets when it shuts down; socket.io-client does not reconnect after it.
    serverSocketOf(t, a.client.socket as unknown as ClientSocket).disconnect(true);
    await offline;
    await t
      .http()
      .post(`/api/v1/chats/${chat.id}/messages`)
      .set(b.user.auth)
      .send({ content: 'meanwhile' })
      .expect(201);
    const s = await until(a.client, (x) => x.connection === 'online' && stored(x, chat.id).length === 1);
    expect(stored(s, chat.id)[0]).toMatchObject({ content: 'meanwhile', seq: 1 });
  }, 30_000);

  it('refreshes the token on a 401 and on a refused handshake, rotating the local session', async () => {
    const a = await sdkUser(t);
    let refreshes = 0;
    let token: string | null = 'not-a-token';
    // The host app's provider: a refused token is replaced by the user's valid one.
    const auth = {
      getToken: ({ refresh }: { refresh: boolean }) => {
        if (refresh) {
          refreshes++;
          token = a.user.access_token;
        }
        return token;
      },
    };
    const client = new ChatClient({ baseUrl: t.origin, auth });
    try {
      // REST: 401, one refresh, the request repeated.
      await client.start();
      expect(client.store.getSnapshot().me).toMatchObject({ id: a.user.id });
      expect(refreshes).toBe(1);
      await until(client, (s) => s.connection === 'online');
    } finally {
      client.stop();
    }

    // Socket: a refused handshake (`unauthorized`) refreshes and connects again.
    token = 'expired-or-revoked';
    const socketOnly = new ChatClient({ baseUrl: t.origin, auth, socket: { reconnectionDelay: 100 } });
    try {
      const refused = new Promise<Error>((resolve) => socketOnly.socket.once('connect_error', resolve));
      socketOnly.socket.connect();
      expect((await refused).message).toBe('unauthorized');
      await until(socketOnly, (s) => s.connection === 'online');
      expect(refreshes).toBe(2);
    } finally {
      socketOnly.stop();
    }

    // localTokens: a refused access token goes through POST /auth/refresh; the old refresh token stops working.
    const b = await sdkUser(t);
    const loggedIn = await login(t.origin, { username: b.user.username, password: b.user.password });
    expect(loggedIn).toMatchObject({ user: { id: b.user.id }, access_token: expect.any(String) });
    await expect(
      login(t.origin, { username: b.user.username, password: 'wrong password' }),
    ).rejects.toMatchObject({
      status: 401,
      code: 'invalid_credentials',
    });
    const badSession = new ChatClient({
      baseUrl: t.origin,
      auth: localTokens({
        baseUrl: t.origin,
        session: { access_token: 'bad', refresh_token: b.user.refresh_token },
        onSessionChange: (session) => b.sessions.push(session),
      }),
    });
    const { data: me } = await badSession.api.GET('/api/v1/users/me');
    expect(me).toMatchObject({ id: b.user.id });
    expect(b.sessions).toHaveLength(1);
    expect(b.sessions[0]!.refresh_token).not.toBe(b.user.refresh_token);
    await t.http().post('/api/v1/auth/refresh').send({ refresh_token: b.user.refresh_token }).expect(401);
  }, 30_000);

  it('keeps chats sorted by activity with unread and mention counts, and applies reads, edits, deletes, reactions and members', async () => {
    const a = await sdkUser(t);
    const b = await sdkUser(t);
    const c = await sdkUser(t);
    const first = await createChat(t, b.user, [a.user], { chat_type: 'vet' });
    const second = await createChat(t, b.user, [a.user], { chat_type: 'keeper' });
    await Promise.all([a.client.start(), b.client.start()]);
    await until(a.client, (s) => s.connection === 'online');
    await until(b.client, (s) => s.connection === 'online');
    await b.client.openChat(first.id);
    await a.client.openChat(first.id);

    const mention = await b.client.send(first.id, { content: '@a look', mentions: [a.user.id] }).sent;
    let s = await until(a.client, (x) => x.chats[0]?.id === first.id && x.chats[0].unread_count === 1);
    expect(s.chats[0]).toMatchObject({ unread_count: 1, unread_mentions_count: 1 });
    await b.client.send(second.id, { content: 'other chat' }).sent;
    s = await until(a.client, (x) => x.chats[0]?.id === second.id);
    expect(s.chats.map((x) => x.id).slice(0, 2)).toEqual([second.id, first.id]);
    expect(s.chats[0]).toMatchObject({
      unread_count: 1,
      unread_mentions_count: 0,
      last_message: { content: 'other chat' },
    });

    await a.client.markRead(first.id);
    s = await until(a.client, (x) => x.chats.find((y) => y.id === first.id)?.unread_count === 0);
    expect(s.chats.find((y) => y.id === first.id)).toMatchObject({ unread_mentions_count: 0 });
    // The reader's cursor reaches the sender as chat:read.
    await until(
      b.client,
      (x) =>
        x.chats.find((y) => y.id === first.id)?.members.find((m) => m.user_id === a.user.id)
          ?.last_read_seq === mention.seq,
    );

    // Reactions: another's shows with me: false, one's own with me: true.
    await b.client.react(first.id, mention.id, '👍', true);
    await until(a.client, (x) => stored(x, first.id)[0]?.reactions[0]?.count === 1);
    expect(stored(a.client.store.getSnapshot(), first.id)[0].reactions).toEqual([
      { emoji: '👍', count: 1, me: false },
    ]);
    await a.client.react(first.id, mention.id, '👍', true);
    s = await until(a.client, (x) => stored(x, first.id)[0]?.reactions[0]?.count === 2);
    expect(stored(s, first.id)[0].reactions).toEqual([{ emoji: '👍', count: 2, me: true }]);

    // Edit and delete reach the other member.
    await b.client.edit(first.id, mention.id, '@a look here');
    s = await until(a.client, (x) => stored(x, first.id)[0]?.content === '@a look here');
    expect(stored(s, first.id)[0].edited_at).not.toBeNull();
    expect(stored(s, first.id)[0].reactions).toEqual([{ emoji: '👍', count: 2, me: true }]);
    const doomed = await b.client.send(first.id, { content: 'oops' }).sent;
    await until(a.client, (x) => stored(x, first.id).some((m) => m.id === doomed.id));
    await b.client.delete(first.id, doomed.id);
    await until(a.client, (x) => !stored(x, first.id).some((m) => m.id === doomed.id));
    await until(a.client, (x) => x.chats.find((y) => y.id === first.id)?.last_message?.id === mention.id);

    // Members: an added member shows, a removed one goes; removing the reader drops the chat.
    await t.http().post(`/api/v1/chats/${first.id}/members/${c.user.id}`).set(b.user.auth).expect(201);
    await until(
      a.client,
      (x) => !!x.chats.find((y) => y.id === first.id)?.members.some((m) => m.user_id === c.user.id),
    );
    await t.http().delete(`/api/v1/chats/${first.id}/members/${c.user.id}`).set(b.user.auth).expect(204);
    await until(
      a.client,
      (x) => !x.chats.find((y) => y.id === first.id)?.members.some((m) => m.user_id === c.user.id),
    );
    await t.http().delete(`/api/v1/chats/${first.id}/members/${a.user.id}`).set(b.user.auth).expect(204);
    s = await until(a.client, (x) => !x.chats.some((y) => y.id === first.id));
    expect(s.messages.has(first.id)).toBe(false);

    // A chat created by someone else arrives as chat:created, on top.
    const third = await createChat(t, c.user, [a.user], { chat_type: 'seeker' });
    s = await until(a.client, (x) => x.chats[0]?.id === third.id);
    expect(s.chats[0]).toMatchObject({ chat_type: 'seeker', unread_count: 0, my_role: 'member' });

    // A refused send stays failed in the store and rejects its promise.
    const refused = a.client.send(second.id, { content: 'x'.repeat(4001) });
    await a.client.openChat(second.id);
    await expect(refused.sent).rejects.toBeInstanceOf(ChatApiError);
    const failed = a.client.store
      .getSnapshot()
      .messages.get(second.id)!
      .items.find((m) => m.status === 'failed');
    expect(failed).toMatchObject({
      client_message_id: refused.client_message_id,
      error: { status: 400, code: 'validation_failed' },
    });
    a.client.discard(refused.client_message_id);
    expect(
      a.client.store
        .getSnapshot()
        .messages.get(second.id)!
        .items.some((m) => m.status === 'failed'),
    ).toBe(false);
  }, 60_000);

  it('pages history backwards (infinite scroll) and keeps one list in seq order', async () => {
    const a = await sdkUser(t);
    const b = await sdkUser(t);
    const chat = await createChat(t, b.user, [a.user]);
    for (let i = 1; i <= 120; i++)
      await t
        .http()
        .post(`/api/v1/chats/${chat.id}/messages`)
        .set(b.user.auth)
        .send({ content: `h${i}` })
        .expect(201);
    await a.client.start();
    await a.client.openChat(chat.id);
    let s = a.client.store.getSnapshot();
    expect(stored(s, chat.id).map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 71));
    expect(s.messages.get(chat.id)!.hasOlder).toBe(true);
    await a.client.loadOlder(chat.id);
    await a.client.loadOlder(chat.id);
    s = a.client.store.getSnapshot();
    expect(stored(s, chat.id).map((m) => m.content)).toEqual(
      Array.from({ length: 120 }, (_, i) => `h${i + 1}`),
    );
    expect(s.messages.get(chat.id)!.hasOlder).toBe(false);
    expect(s.chats.find((x) => x.id === chat.id)).toMatchObject({ unread_count: 120 });

    // An optimistic message keeps its key when the stored one replaces it.
    const handle = a.client.send(chat.id, { content: 'mine' });
    const pendingKey = a.client.store.getSnapshot().messages.get(chat.id)!.items.at(-1)!.key;
    const message = await handle.sent;
    s = a.client.store.getSnapshot();
    expect(s.messages.get(chat.id)!.items.at(-1)).toMatchObject({
      status: 'sent',
      id: message.id,
      key: pendingKey,
    });
    expect(s.chats.find((x) => x.id === chat.id)).toMatchObject({
      unread_count: 0,
      last_message: { id: message.id },
    });
  }, 60_000);

  it('uploads with progress (streamed fetch in Node) and sends the attachment', async () => {
    const { a, chat } = await chatOfTwo(t);
    const bytes = await png(1600, 1200);

    const progress: UploadProgress[] = [];
    const attachment = await a.client.upload(new Blob([new Uint8Array(bytes)], { type: 'image/png' }), {
      name: 'dog.png',
      onProgress: (p) => progress.push(p),
    });
    expect(attachment).toMatchObject({
      kind: 'image',
      name: 'dog.png',
      mime_type: expect.stringMatching(/^image\//),
    });
    expect(progress.length).toBeGreaterThan(1);
    const total = progress[0].total!;
    expect(total).toBeGreaterThan(bytes.length);
    expect(progress.map((p) => p.loaded)).toEqual([...progress.map((p) => p.loaded)].sort((x, y) => x - y));
    expect(progress.at(-1)).toEqual({ loaded: total, total });

    // A Node stream of unknown size: progress without a total.
    const streamed: UploadProgress[] = [];
    const fromStream = await a.client.upload(
      { stream: Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), name: 'stream.png' },
      { kind: 'image', onProgress: (p) => streamed.push(p) },
    );
    expect(fromStream.kind).toBe('image');
    expect(streamed.at(-1)).toMatchObject({ total: null, loaded: expect.any(Number) });

    const message: Message = await a.client.send(chat.id, { attachment_ids: [attachment.id, fromStream.id] })
      .sent;
    expect(message.attachments.map((x) => x.id)).toEqual([attachment.id, fromStream.id]);

    // A refused upload: the contract's error shape as a ChatApiError.
    await expect(a.client.upload(new Uint8Array([1, 2, 3]), { name: 'junk.bin' })).rejects.toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
    });
  }, 60_000);
});

describe('client SDK with short-lived tokens', () => {
  const t = useApp({ JWT_ACCESS_TTL_SECONDS: '10' });

  afterEach(() => stopClients());

  it('refreshes on auth:expired, reconnects, and keeps receiving events', async () => {
    const { a, b, chat } = await chatOfTwo(t);
    const expired = new Promise<void>((resolve) => a.client.socket.once('auth:expired', () => resolve()));
    await expired;
    await until(a.client, (s) => s.connection === 'offline', 5000).catch(() => undefined);
    await until(a.client, (s) => s.connection === 'online');
    expect(a.sessions.length).toBeGreaterThanOrEqual(1);
    expect(a.sessions.at(-1)).not.toBeNull();

    // The other user's token has expired too (issued after a's, it may outlive a's reconnection by
    // a second or so: waited for): their REST call refreshes on the 401 and goes through.
    const left = decodeJwt(b.user.access_token).exp! * 1000 + 100 - Date.now();
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    const { data: sent } = await b.client.api.POST('/api/v1/chats/{chat_id}/messages', {
      params: { path: { chat_id: chat.id } },
      body: { content: 'after the refresh' },
    });
    expect(sent).toMatchObject({ content: 'after the refresh' });
    expect(b.sessions).toHaveLength(1);
    await until(a.client, (s) => stored(s, chat.id).some((m) => m.content === 'after the refresh'));
  }, 40_000);
});
