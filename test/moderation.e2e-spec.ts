import type { ErrorBody } from '../src/common/http/error-status.mapping';
import { useApp } from './support/app.fixture';
import { uploaded } from './support/attachments.helpers';
import { createChat, removeMember } from './support/chats.helpers';
import { expectErrorShape } from './support/errors.helpers';
import { png } from './support/media.fixtures';
import { API, expectValidation, ISO, MANY_REQUESTS, postMessage, send } from './support/messages.helpers';
import { ban, moderatorName, serverDisconnect, tokenWithRoles, unban } from './support/moderation.helpers';
import { closeSockets, connectAs, refusal, socketFor, waitForEvent } from './support/sockets.helpers';
import { registerNamed, registerUser, TestUser } from './support/users.helpers';

const MODERATOR = moderatorName();
const REPORTS_PER_HOUR = 5;

interface ReportBody {
  id: number;
  reason: string;
  comment: string | null;
  status: string;
  message_id: number | null;
  user_id: number | null;
  chat_id: number | null;
  reporter_id: number;
  content_snapshot: Record<string, unknown>;
  created_at: string;
}

interface AuditBody {
  id: number;
  moderator_id: number;
  action: string;
  target_type: string;
  target_id: number;
  reason: string | null;
  details: Record<string, unknown> | null;
  created_at: string;
}

describe('reports, moderation and bans (e2e)', () => {
  const t = useApp({
    ...MANY_REQUESTS,
    MODERATOR_USERNAMES: MODERATOR,
    REPORTS_PER_USER_PER_HOUR: String(REPORTS_PER_HOUR),
  });
  let moderator: TestUser;

  beforeAll(async () => {
    moderator = await registerNamed(t, MODERATOR);
  });
  afterEach(() => closeSockets());

  const report = (user: TestUser, body: object) => t.http().post(`${API}/reports`).set(user.auth).send(body);

  async function reportsOf(query: Record<string, string | number> = {}): Promise<{
    items: ReportBody[];
    next_cursor: string | null;
  }> {
    const res = await t.http().get(`${API}/moderation/reports`).query(query).set(moderator.auth).expect(200);
    return res.body as { items: ReportBody[]; next_cursor: string | null };
  }

  async function auditFor(targetType: string, targetId: number): Promise<AuditBody[]> {
    const res = await t
      .http()
      .get(`${API}/moderation/audit`)
      .query({ limit: 100 })
      .set(moderator.auth)
      .expect(200);
    return (res.body.items as AuditBody[]).filter(
      (a) => a.target_type === targetType && a.target_id === targetId,
    );
  }

  describe('POST /reports', () => {
    it('files a report of a message with a snapshot that survives the message being deleted', async () => {
      const [author, reporter] = await Promise.all([
        registerUser(t, 'author', 'Reward Hunter'),
        registerUser(t),
      ]);
      const chat = await createChat(t, author, [reporter]);
      const photo = await uploaded(t, author, await png(8, 8));
      const res = await postMessage(t, author, chat.id, {
        content: 'Pay 5000 first and I bring the cat',
        attachment_ids: [photo.id],
      }).expect(201);
      const message = res.body as { id: number; seq: number };

      const created = await report(reporter, {
        reason: 'scam',
        comment: ' wants money ',
        message_id: message.id,
      }).expect(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        status: 'open',
        created_at: expect.stringMatching(ISO),
      });

      await t.http().delete(`${API}/chats/${chat.id}/messages/${message.id}`).set(author.auth).expect(204);
      const filed = (await reportsOf({ status: 'open', limit: 100 })).items.find(
        (r) => r.id === created.body.id,
      );
      expect(filed).toEqual({
        id: created.body.id,
        reason: 'scam',
        comment: 'wants money',
        status: 'open',
        message_id: message.id,
        user_id: null,
        chat_id: null,
        reporter_id: reporter.id,
        content_snapshot: {
          target: 'message',
          message_id: message.id,
          chat_id: chat.id,
          seq: message.seq,
          sender_id: author.id,
          sender_username: author.username,
          sender_name: 'Reward Hunter',
          content: 'Pay 5000 first and I bring the cat',
          location: null,
          created_at: expect.any(String),
          edited_at: null,
          attachments: [
            {
              id: photo.id,
              kind: 'image',
              mime_type: expect.any(String),
              size_bytes: expect.any(Number),
              name: expect.anything(),
              width: 8,
              height: 8,
              duration_ms: null,
            },
          ],
        },
        created_at: created.body.created_at,
      });
    });

    it('files reports of a user and of a chat, with their snapshots', async () => {
      const [reporter, other] = await Promise.all([registerUser(t), registerUser(t, 'other', 'Other One')]);
      const chat = await createChat(t, reporter, [other], { title: 'Cats of Lesnaya' });
      const byUser = await report(reporter, { reason: 'abuse', user_id: other.id }).expect(201);
      const byChat = await report(reporter, { reason: 'animal_cruelty', chat_id: chat.id }).expect(201);
      const items = (await reportsOf({ limit: 100 })).items;
      expect(items.find((r) => r.id === byUser.body.id)).toMatchObject({
        user_id: other.id,
        message_id: null,
        chat_id: null,
        comment: null,
        content_snapshot: {
          target: 'user',
          user_id: other.id,
          username: other.username,
          display_name: 'Other One',
        },
      });
      expect(items.find((r) => r.id === byChat.body.id)).toMatchObject({
        chat_id: chat.id,
        content_snapshot: {
          target: 'chat',
          chat_id: chat.id,
          title: 'Cats of Lesnaya',
          chat_type: 'other',
          created_by: reporter.id,
          member_count: 2,
        },
      });
    });

    it('answers 400 without exactly one target or with a bad reason, and for yourself', async () => {
      const [reporter, other] = await Promise.all([registerUser(t), registerUser(t)]);
      expectValidation((await report(reporter, { reason: 'spam' }).expect(400)).body, 'message_id');
      expectValidation(
        (await report(reporter, { reason: 'spam', user_id: other.id, chat_id: 1 }).expect(400)).body,
        'chat_id',
      );
      expectValidation(
        (await report(reporter, { reason: 'rude', user_id: other.id }).expect(400)).body,
        'reason',
      );
      expectValidation((await report(reporter, { user_id: other.id }).expect(400)).body, 'reason');
      expectValidation(
        (await report(reporter, { reason: 'spam', user_id: other.id, extra: 1 }).expect(400)).body,
        'extra',
      );
      expectValidation(
        (await report(reporter, { reason: 'spam', user_id: other.id, comment: 'x'.repeat(1001) }).expect(400))
          .body,
        'comment',
      );
      expectValidation(
        (await report(reporter, { reason: 'spam', message_id: 0 }).expect(400)).body,
        'message_id',
      );
      expectValidation(
        (await report(reporter, { reason: 'spam', user_id: reporter.id }).expect(400)).body,
        'user_id',
      );
    });

    it('answers 403 for a message or chat the reporter cannot read, 404 for one that is not there', async () => {
      const [owner, removed, stranger] = await Promise.all([
        registerUser(t),
        registerUser(t),
        registerUser(t),
      ]);
      const chat = await createChat(t, owner, [removed]);
      const message = await send(t, owner, chat.id, 'hello');
      await removeMember(t, chat.id, owner, removed);
      for (const user of [removed, stranger]) {
        for (const target of [{ message_id: message.id }, { chat_id: chat.id }]) {
          const res = await report(user, { reason: 'spam', ...target }).expect(403);
          expectErrorShape(res.body, 403, 'not_a_member');
        }
      }
      expectErrorShape(
        (await report(owner, { reason: 'spam', message_id: 2_000_000_000 }).expect(404)).body,
        404,
        'message_not_found',
      );
      expectErrorShape(
        (await report(owner, { reason: 'spam', chat_id: 2_000_000_000 }).expect(404)).body,
        404,
        'chat_not_found',
      );
      expectErrorShape(
        (await report(owner, { reason: 'spam', user_id: 2_000_000_000 }).expect(404)).body,
        404,
        'user_not_found',
      );
      await t.http().delete(`${API}/chats/${chat.id}/messages/${message.id}`).set(owner.auth).expect(204);
      expectErrorShape(
        (await report(owner, { reason: 'spam', message_id: message.id }).expect(404)).body,
        404,
        'message_not_found',
      );
      await t.http().post(`${API}/reports`).send({ reason: 'spam', user_id: owner.id }).expect(401);
    });

    it(`takes at most ${REPORTS_PER_HOUR} reports per reporter per hour (429 with a retry hint)`, async () => {
      const [reporter, other, next] = await Promise.all([registerUser(t), registerUser(t), registerUser(t)]);
      for (let n = 0; n < REPORTS_PER_HOUR; n++)
        await report(reporter, { reason: 'spam', user_id: other.id }).expect(201);
      const res = await report(reporter, { reason: 'spam', user_id: other.id }).expect(429);
      expect(res.body).toEqual({
        status: 429,
        code: 'rate_limited',
        message: expect.any(String),
        details: { retry_after_ms: expect.any(Number) },
      });
      expect((res.body as { details: { retry_after_ms: number } }).details.retry_after_ms).toBeGreaterThan(
        3_500_000,
      );
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      await report(next, { reason: 'spam', user_id: other.id }).expect(201);
    });
  });

  describe('who is a moderator', () => {
    const ROUTES: [string, string, object?][] = [
      ['get', '/moderation/reports'],
      ['patch', '/moderation/reports/1', { status: 'resolved' }],
      ['delete', '/moderation/messages/1'],
      ['post', '/moderation/users/1/ban', { reason: 'x' }],
      ['delete', '/moderation/users/1/ban'],
      ['get', '/moderation/audit'],
    ];

    it('answers 403 forbidden to users who are not moderators, 401 without a token', async () => {
      const user = await registerUser(t);
      for (const [method, path, body] of ROUTES) {
        const call = () =>
          (t.http() as unknown as Record<string, (p: string) => import('supertest').Test>)[method](
            `${API}${path}`,
          );
        const res = await call().set(user.auth).send(body);
        expect({ path, status: res.status }).toEqual({ path, status: 403 });
        expectErrorShape(res.body, 403, 'forbidden');
        // A roles claim without the moderator role changes nothing.
        expect(
          (
            await call()
              .set(tokenWithRoles(user, ['admin', 'moderators']))
              .send(body)
          ).status,
        ).toBe(403);
        expect((await call().send(body)).status).toBe(401);
      }
    });

    it('takes the moderator role from the roles claim of a verified token', async () => {
      const user = await registerUser(t);
      await t
        .http()
        .get(`${API}/moderation/reports`)
        .set(tokenWithRoles(user, ['moderator']))
        .expect(200);
      await t.http().get(`${API}/moderation/audit`).set(tokenWithRoles(user, 'user moderator')).expect(200);
    });
  });

  describe('reviewing reports', () => {
    it('lists by status, newest first, page by page, and sets statuses (audited)', async () => {
      const [reporter, other] = await Promise.all([registerUser(t), registerUser(t)]);
      const ids: number[] = [];
      for (let n = 0; n < 3; n++) {
        ids.push(
          (await report(reporter, { reason: 'other', user_id: other.id }).expect(201)).body.id as number,
        );
      }
      const patched = await t
        .http()
        .patch(`${API}/moderation/reports/${ids[0]}`)
        .set(moderator.auth)
        .send({ status: 'dismissed' })
        .expect(200);
      expect(patched.body).toMatchObject({
        id: ids[0],
        status: 'dismissed',
        reason: 'other',
        reporter_id: reporter.id,
      });

      const dismissed = (await reportsOf({ status: 'dismissed', limit: 100 })).items.map((r) => r.id);
      expect(dismissed).toContain(ids[0]);
      expect(dismissed).not.toContain(ids[1]);
      const first = await reportsOf({ status: 'open', limit: 1 });
      expect(first.items.map((r) => r.id)).toEqual([ids[2]]);
      const second = await reportsOf({ status: 'open', limit: 1, cursor: first.next_cursor! });
      expect(second.items.map((r) => r.id)).toEqual([ids[1]]);

      expect(await auditFor('report', ids[0])).toEqual([
        {
          id: expect.any(Number),
          moderator_id: moderator.id,
          action: 'report.update',
          target_type: 'report',
          target_id: ids[0],
          reason: null,
          details: { from: 'open', to: 'dismissed' },
          created_at: expect.stringMatching(ISO),
        },
      ]);
    });

    it('answers 400 on a bad status, limit or cursor, 404 for an unknown report', async () => {
      const get = (query: object) =>
        t.http().get(`${API}/moderation/reports`).query(query).set(moderator.auth);
      expectValidation((await get({ status: 'closed' }).expect(400)).body, 'status');
      expectValidation((await get({ limit: 0 }).expect(400)).body, 'limit');
      expectValidation((await get({ cursor: 'bm90LWEtY3Vyc29y' }).expect(400)).body, 'cursor');
      const patch = (id: string, body: object) =>
        t.http().patch(`${API}/moderation/reports/${id}`).set(moderator.auth).send(body);
      expectErrorShape(
        (await patch('2000000000', { status: 'resolved' }).expect(404)).body,
        404,
        'report_not_found',
      );
      expectValidation((await patch('1', { status: 'gone' }).expect(400)).body, 'status');
      expectValidation((await patch('abc', { status: 'resolved' }).expect(400)).body, 'report_id');
    });
  });

  describe('DELETE /moderation/messages/:message_id', () => {
    it('deletes a message of any chat: members get message:deleted, its attachments go, it is audited', async () => {
      const [owner, member] = await Promise.all([registerUser(t), registerUser(t)]);
      const chat = await createChat(t, owner, [member]);
      const photo = await uploaded(t, owner, await png(8, 8));
      const sent = (
        await postMessage(t, owner, chat.id, { content: 'bad', attachment_ids: [photo.id] }).expect(201)
      ).body as { id: number; seq: number };
      const socket = await connectAs(t, member);
      const deleted = waitForEvent(socket, 'message:deleted');
      await t
        .http()
        .delete(`${API}/moderation/messages/${sent.id}`)
        .query({ reason: 'scam link' })
        .set(moderator.auth)
        .expect(204);
      expect(await deleted).toEqual({ chat_id: chat.id, message_id: sent.id, seq: sent.seq });
      const history = await t.http().get(`${API}/chats/${chat.id}/messages`).set(member.auth).expect(200);
      expect((history.body.items as { id: number }[]).map((m) => m.id)).not.toContain(sent.id);
      await t.http().get(`${API}/attachments/${photo.id}`).set(member.auth).expect(404);

      expect(await auditFor('message', sent.id)).toEqual([
        expect.objectContaining({
          moderator_id: moderator.id,
          action: 'message.delete',
          reason: 'scam link',
          details: { chat_id: chat.id, seq: sent.seq },
        }),
      ]);
      const again = await t
        .http()
        .delete(`${API}/moderation/messages/${sent.id}`)
        .set(moderator.auth)
        .expect(404);
      expectErrorShape(again.body, 404, 'message_not_found');
    });
  });

  describe('bans', () => {
    it('refuses the banned user everywhere at once, keeps their messages, and unban restores them', async () => {
      const [banned, member] = await Promise.all([registerUser(t), registerUser(t)]);
      const chat = await createChat(t, banned, [member]);
      const message = await send(t, banned, chat.id, 'my old message');
      const socket = await connectAs(t, banned);
      const told = waitForEvent(socket, 'auth:banned');
      const gone = serverDisconnect(socket);

      await ban(t, moderator, banned, { reason: 'reward scams' }).expect(204);
      expect(await told).toEqual({ message: expect.any(String), until: null });
      expect(await gone).toBe('io server disconnect');

      const refused = await t.http().get(`${API}/users/me`).set(banned.auth).expect(403);
      expect(refused.body).toEqual({
        status: 403,
        code: 'banned',
        message: expect.any(String),
        details: { until: null },
      });
      await t.http().get(`${API}/chats`).set(banned.auth).expect(403);
      const login = await t
        .http()
        .post(`${API}/auth/login`)
        .send({ username: banned.username, password: banned.password });
      expectErrorShape(login.body, 403, 'banned');
      const refresh = await t
        .http()
        .post(`${API}/auth/refresh`)
        .send({ refresh_token: banned.refresh_token });
      expectErrorShape(refresh.body, 403, 'banned');
      const handshake = await refusal(socketFor(t, { auth: { token: banned.access_token } }));
      expect(handshake.message).toBe('banned');
      expect(handshake.data).toMatchObject({ status: 403, code: 'banned' });
      // Their past messages stay.
      const history = await t.http().get(`${API}/chats/${chat.id}/messages`).set(member.auth).expect(200);
      expect((history.body.items as { id: number }[]).map((m) => m.id)).toContain(message.id);

      await unban(t, moderator, banned).expect(204);
      await t.http().get(`${API}/users/me`).set(banned.auth).expect(200);
      // The refresh token refused during the ban was not spent.
      await t.http().post(`${API}/auth/refresh`).send({ refresh_token: banned.refresh_token }).expect(200);
      await t
        .http()
        .post(`${API}/auth/login`)
        .send({ username: banned.username, password: banned.password })
        .expect(200);
      await connectAs(t, banned);

      const audit = await auditFor('user', banned.id);
      expect(audit.map((a) => [a.action, a.reason, a.details])).toEqual([
        ['user.unban', null, null],
        ['user.ban', 'reward scams', { until: null }],
      ]);
      // Lifting a ban that is not there: 204, nothing audited.
      await unban(t, moderator, banned).expect(204);
      expect(await auditFor('user', banned.id)).toHaveLength(2);
    });

    it('ends a ban with until by itself', async () => {
      const user = await registerUser(t);
      const until = new Date(Date.now() + 1500).toISOString();
      await ban(t, moderator, user, { reason: 'cool down', until }).expect(204);
      const res = await t.http().get(`${API}/users/me`).set(user.auth).expect(403);
      expect(res.body.details).toEqual({ until });
      await new Promise((resolve) => setTimeout(resolve, Date.parse(until) - Date.now() + 50));
      await t.http().get(`${API}/users/me`).set(user.auth).expect(200);
      await t
        .http()
        .post(`${API}/auth/login`)
        .send({ username: user.username, password: user.password })
        .expect(200);
    });

    it('answers 400 for an until in the past, yourself or a bad body, 404 for an unknown user', async () => {
      const user = await registerUser(t);
      expectValidation(
        (await ban(t, moderator, user, { reason: 'x', until: '2000-01-01T00:00:00Z' }).expect(400)).body,
        'until',
      );
      expectValidation(
        (await ban(t, moderator, user, { reason: 'x', until: 'tomorrow' }).expect(400)).body,
        'until',
      );
      expectValidation((await ban(t, moderator, user, {}).expect(400)).body, 'reason');
      expectValidation((await ban(t, moderator, moderator, { reason: 'x' }).expect(400)).body, 'user_id');
      const unknown = { ...user, id: 2_000_000_000 };
      expectErrorShape((await ban(t, moderator, unknown).expect(404)).body, 404, 'user_not_found');
      expectErrorShape((await unban(t, moderator, unknown).expect(404)).body, 404, 'user_not_found');
      await t.http().get(`${API}/users/me`).set(user.auth).expect(200);
    });

    it('pages the audit log newest first', async () => {
      const user = await registerUser(t);
      await ban(t, moderator, user).expect(204);
      await unban(t, moderator, user).expect(204);
      const first = await t
        .http()
        .get(`${API}/moderation/audit`)
        .query({ limit: 1 })
        .set(moderator.auth)
        .expect(200);
      expect(first.body.items).toEqual([
        expect.objectContaining({ action: 'user.unban', target_id: user.id }),
      ]);
      const second = await t
        .http()
        .get(`${API}/moderation/audit`)
        .query({ limit: 1, cursor: first.body.next_cursor as string })
        .set(moderator.auth)
        .expect(200);
      expect(second.body.items).toEqual([
        expect.objectContaining({ action: 'user.ban', target_id: user.id }),
      ]);
      const bad = await t
        .http()
        .get(`${API}/moderation/audit`)
        .query({ cursor: first.body.next_cursor.slice(0, -1) + '_' })
        .set(moderator.auth);
      expect((bad.body as ErrorBody).status).toBe(400);
    });
  });
});
