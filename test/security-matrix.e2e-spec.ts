import type { ErrorBody } from '../src/common/http/error-status.mapping';
import { UnsubscribeTokens } from '../src/email/unsubscribe-tokens';
import type { Ack } from '../src/realtime/events.types';
import { gatewayEvents, routeTable, startApp, TestApp } from './support/app.fixture';
import { uploaded } from './support/attachments.helpers';
import { createChat, makeAdmin, removeMember } from './support/chats.helpers';
import { png } from './support/media.fixtures';
import { chromeSubscription } from './support/push.helpers';
import { MANY_REQUESTS, postMessage, send } from './support/messages.helpers';
import { moderatorName } from './support/moderation.helpers';
import { PLATFORM_SECRET, platformId, platformUser } from './support/platform.helpers';
import {
  closeSockets,
  connectAs,
  refusal,
  request as ask,
  socketFor,
  type ClientSocket,
} from './support/sockets.helpers';
import { registerNamed, registerUser, TestUser, uniqueUsername } from './support/users.helpers';

/**
 * The authorization matrix: every HTTP route the app serves and every socket event its gateways
 * handle, each tried by the six kinds of caller (the member and the admin with the platform's
 * tokens, issue 17), and a moderator (MODERATOR_USERNAMES) who is not in the chat: a stranger everywhere but on the moderation routes. The route and event lists come from the running
 * app (Fastify's routes as registered, the gateways' handlers), so a route or event added without an entry here
 * fails the suite.
 */

const CALLERS = ['anonymous', 'stranger', 'removed', 'member', 'admin', 'owner', 'moderator'] as const;
type Caller = (typeof CALLERS)[number];
type Expected = Record<Caller, number>;

/** One chat per case: owner, admin, member, bystander (a second member), removed; two messages. */
interface Fixture {
  chatId: number;
  /** Written by `member` (edit: only its author may). */
  memberMessageId: number;
  /** Written by `bystander` (delete: author, owner or admin). */
  bystanderMessageId: number;
  /** Written by the owner and pinned (unpin: owner or admin). */
  pinnedMessageId: number;
  users: Record<Exclude<Caller, 'anonymous'> | 'bystander' | 'outsider' | 'neighbour', TestUser>;
  /** Uploaded by `bystander` and sent in the chat: its uploader and the chat's active members read it. */
  /** A Web Push subscription of the owner's (only its owner may delete it). */
  pushSubscriptionId: number;
  attachmentId: number;
  /** The query of its signed URL: the URL itself is the permission. */
  attachmentUrlQuery: Record<string, string>;
  /** Filed by `member` about the bystander's message. */
  reportId: number;
  /** A user of this fixture alone, for the moderators to ban and unban. */
  banTargetId: number;
  /** An invite link to the chat, made by the owner. */
  inviteCode: string;
  /** The token of `outsider`'s digest unsubscribe link. */
  unsubscribeToken: string;
}

interface RouteCase {
  expected: Expected;
  params?: (f: Fixture) => Record<string, number | string>;
  body?: (f: Fixture, t: TestApp) => object | Promise<object>;
  /** A multipart body with this one `file` part instead of JSON. */
  file?: () => Promise<Buffer>;
  query?: (f: Fixture) => Record<string, string>;
  /** The code of a 403 when it is not about chat membership. */
  forbiddenCode?: string;
}

const everyone = (status: number): Expected => ({
  anonymous: status,
  stranger: status,
  removed: status,
  member: status,
  admin: status,
  owner: status,
  moderator: status,
});
const signedIn = (status: number): Expected => ({ ...everyone(status), anonymous: 401 });
/** Chat-scoped: 401 anonymous, 403 for a stranger, a removed member or a moderator, then by role. */
const inChat = (member: number, admin = member, owner = admin): Expected => ({
  anonymous: 401,
  stranger: 403,
  removed: 403,
  member,
  admin,
  owner,
  moderator: 403,
});
/** The moderation routes: 401 anonymous, 403 `forbidden` to all but a moderator. */
const moderatorOnly = (moderator: number): Expected => ({ ...signedIn(403), moderator });

const chatId = (f: Fixture) => ({ chat_id: f.chatId });

/** A refresh token of a login of its own (rotation makes each usable once). */
async function freshRefreshToken(t: TestApp, user: TestUser): Promise<{ refresh_token: string }> {
  const res = await t
    .http()
    .post('/api/v1/auth/login')
    .send({ username: user.username, password: user.password })
    .expect(200);
  return { refresh_token: (res.body as { refresh_token: string }).refresh_token };
}

const ROUTES: Record<string, RouteCase> = {
  'GET /health/live': { expected: everyone(200) },
  'GET /health/ready': { expected: everyone(200) },
  'GET /metrics': { expected: everyone(200) },
  'POST /api/v1/auth/register': {
    expected: everyone(201),
    body: () => ({ username: `reg_${Math.random().toString(36).slice(2, 12)}`, password: 'password123' }),
  },
  'POST /api/v1/auth/login': {
    expected: everyone(200),
    body: (f) => ({ username: f.users.outsider.username, password: f.users.outsider.password }),
  },
  'POST /api/v1/auth/refresh': {
    expected: everyone(200),
    body: (f, t) => freshRefreshToken(t, f.users.outsider),
  },
  'POST /api/v1/auth/logout': {
    expected: everyone(204),
    body: (f, t) => freshRefreshToken(t, f.users.outsider),
  },
  'GET /api/v1/users/me': { expected: signedIn(200) },
  'PATCH /api/v1/users/me': {
    expected: signedIn(200),
    body: () => ({ display_name: 'Renamed', avatar_id: null }),
  },
  'GET /api/v1/users/me/settings': { expected: signedIn(200) },
  'PATCH /api/v1/users/me/settings': { expected: signedIn(200), body: () => ({ locale: 'en' }) },
  // No Authorization needed: the signed token is the permission (forged ones: email-digests e2e).
  'GET /api/v1/email/unsubscribe': { expected: everyone(200), query: (f) => ({ token: f.unsubscribeToken }) },
  'POST /api/v1/email/unsubscribe': {
    expected: everyone(200),
    query: (f) => ({ token: f.unsubscribeToken }),
  },
  'GET /api/v1/users': { expected: signedIn(200) },
  // Blocks are the caller's own: anyone signed in, whatever their part in a chat (a block's
  // effects on chats: test/blocks.e2e-spec.ts). `neighbour` takes part in no other case.
  'GET /api/v1/users/me/blocks': { expected: signedIn(200) },
  'PUT /api/v1/users/me/blocks/:user_id': {
    expected: signedIn(204),
    params: (f) => ({ user_id: f.users.neighbour.id }),
  },
  'DELETE /api/v1/users/me/blocks/:user_id': {
    expected: signedIn(204),
    params: (f) => ({ user_id: f.users.neighbour.id }),
  },
  'GET /api/v1/chats': { expected: signedIn(200) },
  // Scoped by the statement to the caller's chats (which chats it searches: messages-search-all e2e).
  'GET /api/v1/messages/search': { expected: signedIn(200), query: () => ({ query: 'm' }) },
  'POST /api/v1/chats': { expected: signedIn(201), body: () => ({ member_ids: [], title: 'notes' }) },
  'GET /api/v1/chats/:chat_id': { expected: inChat(200), params: chatId },
  'PATCH /api/v1/chats/:chat_id': {
    expected: inChat(403, 200),
    params: chatId,
    // avatar_id: setting one, with the caller's own upload, is in test/profiles.e2e-spec.ts.
    body: () => ({ title: 'renamed', avatar_id: null }),
  },
  'DELETE /api/v1/chats/:chat_id': { expected: inChat(403, 204), params: chatId },
  'GET /api/v1/chats/:chat_id/members': { expected: inChat(200), params: chatId },
  'POST /api/v1/chats/:chat_id/members/:user_id': {
    expected: inChat(403, 201),
    params: (f) => ({ chat_id: f.chatId, user_id: f.users.outsider.id }),
  },
  'PATCH /api/v1/chats/:chat_id/members/:user_id': {
    expected: inChat(403, 200),
    params: (f) => ({ chat_id: f.chatId, user_id: f.users.bystander.id }),
    body: () => ({ role: 'member' }),
  },
  'DELETE /api/v1/chats/:chat_id/members/:user_id': {
    expected: inChat(403, 204),
    params: (f) => ({ chat_id: f.chatId, user_id: f.users.bystander.id }),
  },
  'GET /api/v1/chats/:chat_id/messages': { expected: inChat(200), params: chatId },
  'POST /api/v1/chats/:chat_id/messages': {
    expected: inChat(201),
    params: chatId,
    // With every reference a send may carry (issue 14): a reply, a mention, a location.
    body: (f) => ({
      content: 'hi',
      reply_to_id: f.memberMessageId,
      mentions: [f.users.bystander.id],
      location: { latitude: 55.75, longitude: 37.61 },
    }),
  },
  'PATCH /api/v1/chats/:chat_id/messages/:message_id': {
    expected: inChat(200, 403),
    params: (f) => ({ chat_id: f.chatId, message_id: f.memberMessageId }),
    body: () => ({ content: 'edited' }),
  },
  'DELETE /api/v1/chats/:chat_id/messages/:message_id': {
    expected: inChat(403, 204),
    params: (f) => ({ chat_id: f.chatId, message_id: f.bystanderMessageId }),
  },
  'GET /api/v1/chats/:chat_id/unread': { expected: inChat(200), params: chatId },
  'PATCH /api/v1/chats/:chat_id/unread': { expected: inChat(200), params: chatId, body: () => ({}) },
  'GET /api/v1/chats/:chat_id/messages/:message_id/reads': {
    expected: inChat(200),
    params: (f) => ({ chat_id: f.chatId, message_id: f.memberMessageId }),
  },
  'PUT /api/v1/chats/:chat_id/messages/:message_id/reactions/:emoji': {
    expected: inChat(200),
    params: (f) => ({ chat_id: f.chatId, message_id: f.bystanderMessageId, emoji: '👍' }),
  },
  'DELETE /api/v1/chats/:chat_id/messages/:message_id/reactions/:emoji': {
    expected: inChat(200),
    params: (f) => ({ chat_id: f.chatId, message_id: f.bystanderMessageId, emoji: '👍' }),
  },
  'GET /api/v1/chats/:chat_id/pins': { expected: inChat(200), params: chatId },
  'PUT /api/v1/chats/:chat_id/pins/:message_id': {
    expected: inChat(403, 204),
    params: (f) => ({ chat_id: f.chatId, message_id: f.bystanderMessageId }),
  },
  'DELETE /api/v1/chats/:chat_id/pins/:message_id': {
    expected: inChat(403, 204),
    params: (f) => ({ chat_id: f.chatId, message_id: f.pinnedMessageId }),
  },
  'PATCH /api/v1/chats/:chat_id (visibility)': {
    // The owner only (an admin still renames: the entry above).
    expected: inChat(403, 403, 200),
    params: chatId,
    body: () => ({ visibility: 'private' }),
  },
  'POST /api/v1/chats/:chat_id/invites': {
    expected: inChat(403, 201),
    params: chatId,
    body: () => ({ expires_in_seconds: 3600, max_uses: 5 }),
  },
  'GET /api/v1/chats/:chat_id/invites': { expected: inChat(403, 200), params: chatId },
  'DELETE /api/v1/chats/:chat_id/invites/:code': {
    expected: inChat(403, 204),
    params: (f) => ({ chat_id: f.chatId, code: f.inviteCode }),
  },
  // Anyone signed in may preview a link: it shows the title, type, avatar and member count only.
  'GET /api/v1/invites/:code': { expected: signedIn(200), params: (f) => ({ code: f.inviteCode }) },
  'POST /api/v1/invites/:code/join': {
    // A stranger joins; members are members already (200); one the owner removed may not come back.
    expected: {
      anonymous: 401,
      stranger: 201,
      removed: 403,
      member: 200,
      admin: 200,
      owner: 200,
      moderator: 201,
    },
    params: (f) => ({ code: f.inviteCode }),
    forbiddenCode: 'forbidden',
  },
  'GET /api/v1/chats/public': { expected: signedIn(200), query: () => ({ query: 'matrix' }) },
  'POST /api/v1/chats/:chat_id/join': {
    // The fixture's chat is public: the same answers as a link's join.
    expected: {
      anonymous: 401,
      stranger: 201,
      removed: 403,
      member: 200,
      admin: 200,
      owner: 200,
      moderator: 201,
    },
    params: chatId,
    forbiddenCode: 'forbidden',
  },
  'PUT /api/v1/chats/:chat_id/notifications': {
    expected: inChat(200),
    params: chatId,
    body: () => ({ level: 'mentions', muted_until: null }),
  },
  // Public: the service worker may need it before a login.
  'GET /api/v1/push/vapid-public-key': { expected: everyone(200) },
  // On the default push service hosts (the configuration of this suite's app).
  'POST /api/v1/push/subscriptions': { expected: signedIn(201), body: () => chromeSubscription() },
  'DELETE /api/v1/push/subscriptions/:id': {
    // The owner's subscription: anyone else is told there is no such subscription of theirs.
    expected: { ...signedIn(404), owner: 204 },
    params: (f) => ({ id: f.pushSubscriptionId }),
  },
  'POST /api/v1/attachments': { expected: signedIn(201), file: () => png(8, 8) },
  'GET /api/v1/attachments/:attachment_id': {
    // Its uploader (attachments-access e2e) and the active members of the chat its message is in.
    expected: inChat(200),
    params: (f) => ({ attachment_id: f.attachmentId }),
    forbiddenCode: 'forbidden',
  },
  'POST /api/v1/reports': {
    expected: inChat(201),
    body: (f) => ({ reason: 'spam', message_id: f.bystanderMessageId }),
  },
  'GET /api/v1/moderation/reports': { expected: moderatorOnly(200), forbiddenCode: 'forbidden' },
  'PATCH /api/v1/moderation/reports/:report_id': {
    expected: moderatorOnly(200),
    params: (f) => ({ report_id: f.reportId }),
    body: () => ({ status: 'resolved' }),
    forbiddenCode: 'forbidden',
  },
  'DELETE /api/v1/moderation/messages/:message_id': {
    expected: moderatorOnly(204),
    params: (f) => ({ message_id: f.bystanderMessageId }),
    forbiddenCode: 'forbidden',
  },
  'POST /api/v1/moderation/users/:user_id/ban': {
    expected: moderatorOnly(204),
    params: (f) => ({ user_id: f.banTargetId }),
    body: () => ({ reason: 'spam' }),
    forbiddenCode: 'forbidden',
  },
  'DELETE /api/v1/moderation/users/:user_id/ban': {
    expected: moderatorOnly(204),
    params: (f) => ({ user_id: f.banTargetId }),
    forbiddenCode: 'forbidden',
  },
  'GET /api/v1/moderation/audit': { expected: moderatorOnly(200), forbiddenCode: 'forbidden' },
  'GET /api/v1/attachments/:attachment_id/content': {
    // No Authorization needed: the signed URL is the permission (forged ones: attachments e2e).
    expected: everyone(200),
    params: (f) => ({ attachment_id: f.attachmentId }),
    query: (f) => f.attachmentUrlQuery,
  },
};

/** Socket events: the handshake refuses anonymous callers, so they have no column here. */
interface EventCase {
  expected: Record<Exclude<Caller, 'anonymous'>, 'ok' | number>;
  payload: (f: Fixture) => object;
}
const inChatEvent = (member: 'ok' | number, admin = member, owner = admin): EventCase['expected'] => ({
  stranger: 403,
  removed: 403,
  member,
  admin,
  owner,
  moderator: 403,
});

const EVENTS: Record<string, EventCase> = {
  // A forward of a message of the chat, answering another and mentioning a member (issue 14):
  // its references decide nothing for those who are not in the chat.
  'message:send': {
    expected: inChatEvent('ok'),
    payload: (f) => ({
      chat_id: f.chatId,
      forward_message_id: f.bystanderMessageId,
      reply_to_id: f.memberMessageId,
      mentions: [f.users.bystander.id],
    }),
  },
  'message:edit': {
    expected: inChatEvent('ok', 403),
    payload: (f) => ({ chat_id: f.chatId, message_id: f.memberMessageId, content: 'edited' }),
  },
  'message:delete': {
    expected: inChatEvent(403, 'ok'),
    payload: (f) => ({ chat_id: f.chatId, message_id: f.bystanderMessageId }),
  },
  'chat:read': { expected: inChatEvent('ok'), payload: (f) => ({ chat_id: f.chatId }) },
  'chat:sync': { expected: inChatEvent('ok'), payload: (f) => ({ chat_id: f.chatId, after_seq: 0 }) },
  typing: { expected: inChatEvent('ok'), payload: (f) => ({ chat_id: f.chatId, is_typing: true }) },
  'message:react': {
    expected: inChatEvent('ok'),
    payload: (f) => ({ chat_id: f.chatId, message_id: f.bystanderMessageId, emoji: '👍', on: true }),
  },
  'chat:pin': {
    expected: inChatEvent(403, 'ok'),
    payload: (f) => ({ chat_id: f.chatId, message_id: f.bystanderMessageId, pinned: true }),
  },
};

/** `METHOD /path` of an entry; a second entry of one route names its variant in parentheses. */
const routeOf = (entry: string): string => entry.replace(/ \(.*\)$/, '');

/** Documentation pages: public and read-only, whatever swagger-ui serves under /docs. */
const DOCS = /^\/docs(\/|$)/;

describe('authorization matrix over every route and socket event (e2e)', () => {
  let t: TestApp;
  let users: Fixture['users'];
  const sockets = new Map<Exclude<Caller, 'anonymous'>, ClientSocket>();

  beforeAll(async () => {
    const moderator = moderatorName();
    t = await startApp({
      ...MANY_REQUESTS,
      MODERATOR_USERNAMES: moderator,
      // Every fixture files a report, and the report route is tried by every caller.
      REPORTS_PER_USER_PER_HOUR: '100000',
      // The platform's tokens (issue 17) are accepted beside the service's own.
      AUTH_EXTERNAL_JWT_SECRET: PLATFORM_SECRET,
    });
    const names = ['stranger', 'removed', 'owner', 'bystander', 'outsider', 'neighbour'] as const;
    const registered = await Promise.all(names.map((name) => registerUser(t, name)));
    users = Object.fromEntries(names.map((name, i) => [name, registered[i]])) as Fixture['users'];
    users.moderator = await registerNamed(t, moderator);
    // The member and the admin come with the platform's tokens (made on first sight): every route
    // and event takes them as it takes the service's own.
    for (const name of ['member', 'admin'] as const) {
      users[name] = await platformUser(t, { id: platformId(), username: uniqueUsername(name) });
    }
  }, 60_000);
  afterAll(async () => {
    closeSockets();
    await t.close();
  });

  async function fixture(): Promise<Fixture> {
    const { owner, admin, member, bystander, removed } = users;
    // Public, so that its join is open: everything else about it is as for any group.
    const chat = await createChat(t, owner, [admin, member, bystander, removed], {
      title: 'matrix',
      visibility: 'public',
    });
    await makeAdmin(t, chat.id, owner, admin);
    await removeMember(t, chat.id, owner, removed);
    const [byMember, byBystander, pinned] = [
      await send(t, member, chat.id, 'm'),
      await send(t, bystander, chat.id, 'b'),
      await send(t, owner, chat.id, 'p'),
    ];
    await t.http().put(`/api/v1/chats/${chat.id}/pins/${pinned.id}`).set(owner.auth).expect(204);
    const attachment = await uploaded(t, bystander, await png(8, 8));
    await postMessage(t, bystander, chat.id, { attachment_ids: [attachment.id] }).expect(201);
    const report = await t
      .http()
      .post('/api/v1/reports')
      .set(member.auth)
      .send({ reason: 'spam', message_id: byBystander.id })
      .expect(201);
    // Straight into the table: a registration's password hash would cost every fixture ~50 ms.
    const [target] = await t.db.query<{ id: number }[]>(
      `INSERT INTO users (username, display_name, password_hash) VALUES ($1, $1, 'x') RETURNING id`,
      [uniqueUsername('target')],
    );
    const subscription = await t
      .http()
      .post('/api/v1/push/subscriptions')
      .set(owner.auth)
      .send(chromeSubscription())
      .expect(201);
    const invite = await t
      .http()
      .post(`/api/v1/chats/${chat.id}/invites`)
      .set(owner.auth)
      .send({})
      .expect(201);
    return {
      inviteCode: (invite.body as { code: string }).code,
      chatId: chat.id,
      memberMessageId: byMember.id,
      bystanderMessageId: byBystander.id,
      pinnedMessageId: pinned.id,
      users,
      attachmentId: attachment.id,
      attachmentUrlQuery: Object.fromEntries(new URL(attachment.url, t.origin).searchParams),
      reportId: (report.body as { id: number }).id,
      banTargetId: target.id,
      unsubscribeToken: t.app.get(UnsubscribeTokens).sign(users.outsider.id),
      pushSubscriptionId: (subscription.body as { id: number }).id,
    };
  }

  it('has an entry for every route the app serves, and none for a route it does not', () => {
    const served = routeTable(t).filter((route) => !DOCS.test(route.split(' ')[1]));
    expect([...new Set(Object.keys(ROUTES).map(routeOf))].sort()).toEqual(served);
  });

  it('has an entry for every socket event of the gateways, and none for an event they do not handle', () => {
    expect(Object.keys(EVENTS).sort()).toEqual(gatewayEvents(t));
  });

  it('serves the documentation under /docs to anyone, read-only', async () => {
    const docs = routeTable(t).filter((route) => DOCS.test(route.split(' ')[1]));
    expect(docs).toEqual(
      expect.arrayContaining(['GET /docs', 'GET /docs/openapi.json', 'GET /docs/asyncapi.json']),
    );
    for (const route of docs) {
      const [method, path] = route.split(' ');
      expect(method).toBe('GET');
      const res = await t.http().get(path);
      expect({ path, status: String(res.status) }).toEqual({
        path,
        status: expect.not.stringMatching(/^(401|403|5\d\d)$/),
      });
    }
    await t.http().get('/docs/openapi.json').expect(200);
    await t.http().get('/docs/asyncapi.json').expect(200);
  });

  describe.each(Object.entries(ROUTES))('%s', (route, spec) => {
    const [method, template] = routeOf(route).split(' ');

    const call = async (f: Fixture, caller: Caller) => {
      const params = spec.params?.(f) ?? {};
      const path = template.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(params[name])));
      expect(path).not.toMatch(/undefined/);
      const req = t
        .http()
        [method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](path)
        .query(spec.query?.(f) ?? {});
      if (caller !== 'anonymous') void req.set(f.users[caller].auth);
      if (spec.file) return await req.attach('file', await spec.file(), 'upload.png');
      return spec.body ? await req.send(await spec.body(f, t)) : await req;
    };

    if (template.includes(':chat_id')) {
      it('answers 404 chat_not_found to every member once the chat is deleted', async () => {
        const f = await fixture();
        await t.http().delete(`/api/v1/chats/${f.chatId}`).set(f.users.owner.auth).expect(204);
        for (const caller of ['owner', 'admin', 'member', 'stranger'] as const) {
          const res = await call(f, caller);
          expect({ caller, status: res.status, code: (res.body as ErrorBody).code }).toEqual({
            caller,
            status: 404,
            code: 'chat_not_found',
          });
        }
      });
    }

    it.each(CALLERS)('as %s', async (caller) => {
      const f = await fixture();
      const res = await call(f, caller);

      const expected = spec.expected[caller];
      expect({ caller, status: res.status }).toEqual({ caller, status: expected });
      if (expected >= 400) {
        const body = res.body as ErrorBody;
        expect(body).toMatchObject({
          status: expected,
          code: expect.any(String),
          message: expect.any(String),
        });
        if (expected === 401) expect(body.code).toBe('unauthorized');
        if (expected === 403) {
          const notMember = caller === 'stranger' || caller === 'removed' || caller === 'moderator';
          expect(body.code).toBe(spec.forbiddenCode ?? (notMember ? 'not_a_member' : 'forbidden'));
        }
      }
    });
  });

  describe('socket events', () => {
    beforeAll(async () => {
      for (const caller of ['stranger', 'removed', 'member', 'admin', 'owner', 'moderator'] as const) {
        sockets.set(caller, await connectAs(t, users[caller]));
      }
    });

    it('refuses an anonymous connection, so no event reaches a handler without a user', async () => {
      expect((await refusal(socketFor(t))).message).toBe('unauthorized');
    });

    describe.each(Object.entries(EVENTS))('%s', (event, spec) => {
      it('answers 404 chat_not_found once the chat is deleted', async () => {
        const f = await fixture();
        await t.http().delete(`/api/v1/chats/${f.chatId}`).set(f.users.owner.auth).expect(204);
        const ack = (await ask(
          sockets.get('member')!,
          event as 'message:send',
          spec.payload(f),
        )) as Ack<unknown>;
        expect(ack).toEqual({
          ok: false,
          error: expect.objectContaining({ status: 404, code: 'chat_not_found' }),
        });
      });

      it.each(['stranger', 'removed', 'member', 'admin', 'owner', 'moderator'] as const)(
        'as %s',
        async (caller) => {
          const f = await fixture();
          const ack = (await ask(
            sockets.get(caller)!,
            event as 'message:send',
            spec.payload(f),
          )) as Ack<unknown>;
          const expected = spec.expected[caller];
          if (expected === 'ok') {
            expect({ caller, ack }).toEqual({ caller, ack: { ok: true, data: expect.anything() } });
          } else {
            expect({ caller, ack }).toEqual({
              caller,
              ack: {
                ok: false,
                error: expect.objectContaining({ status: expected, code: expect.any(String) }),
              },
            });
          }
        },
      );
    });
  });
});
