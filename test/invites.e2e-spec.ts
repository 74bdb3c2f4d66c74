import { randomBytes } from 'node:crypto';
import { startApp, TestApp } from './support/app.fixture';
import { AppPair, startPair } from './support/cluster.fixture';
import { ChatBody, createChat, makeAdmin, removeMember } from './support/chats.helpers';
import { expectErrorShape } from './support/errors.helpers';
import { API, expectValidation, ISO, MANY_REQUESTS, send } from './support/messages.helpers';
import { closeSockets, connectAs, waitForEvent } from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

interface InviteBody {
  code: string;
  chat_id: number;
  expires_at: string | null;
  max_uses: number | null;
  uses: number;
  created_by: number;
}

const CODE = /^[A-Za-z0-9_-]{24}$/;

/** Invite links (issue 15, item 4): making, listing, revoking, previewing and joining. */
describe('invite links (e2e)', () => {
  let t: TestApp;
  let owner: TestUser;
  let admin: TestUser;
  let member: TestUser;
  let stranger: TestUser;
  let chat: ChatBody;

  beforeAll(async () => {
    t = await startApp({ ...MANY_REQUESTS, MAX_MEMBERS_PER_CHAT: '8' });
  });
  afterEach(() => closeSockets());
  afterAll(() => t.close());

  beforeEach(async () => {
    [owner, admin, member, stranger] = await Promise.all(
      ['owner', 'admin', 'member', 'stranger'].map((name) => registerUser(t, name)),
    );
    chat = await createChat(t, owner, [admin, member], { chat_type: 'seeker', title: 'Ловцы Северного' });
    await makeAdmin(t, chat.id, owner, admin);
  });

  const invite = async (by: TestUser = owner, body: object = {}, chatId = chat.id): Promise<InviteBody> =>
    (await t.http().post(`${API}/chats/${chatId}/invites`).set(by.auth).send(body).expect(201))
      .body as InviteBody;
  const join = (user: TestUser, code: string) => t.http().post(`${API}/invites/${code}/join`).set(user.auth);
  const preview = (user: TestUser, code: string) => t.http().get(`${API}/invites/${code}`).set(user.auth);
  const usesOf = async (code: string): Promise<number> => {
    const rows: { uses: number }[] = await t.db.query('SELECT uses FROM chat_invites WHERE code = $1', [
      code,
    ]);
    return rows[0].uses;
  };

  describe('making, listing and revoking', () => {
    it('lets the owner and admins make links of 144 random bits, with expiry and use limit', async () => {
      const plain = await invite(owner);
      expect(plain).toEqual({
        code: expect.stringMatching(CODE),
        chat_id: chat.id,
        expires_at: null,
        max_uses: null,
        uses: 0,
        created_by: owner.id,
      });
      const before = Date.now();
      const limited = await invite(admin, { expires_in_seconds: 3600, max_uses: 5 });
      expect(limited).toMatchObject({
        max_uses: 5,
        uses: 0,
        created_by: admin.id,
        expires_at: expect.stringMatching(ISO),
      });
      const expiresIn = Date.parse(limited.expires_at!) - before;
      expect(expiresIn).toBeGreaterThan(3590_000);
      expect(expiresIn).toBeLessThan(3610_000);
      expect(limited.code).not.toBe(plain.code);
      // 24 base64url characters carry 144 bits; no two of many codes share a prefix worth guessing.
      const codes = await Promise.all([1, 2, 3, 4, 5].map(() => invite(owner)));
      expect(new Set(codes.map((c) => c.code.slice(0, 8))).size).toBe(5);
    });

    it('refuses a plain member (403 forbidden), a stranger (403 not_a_member), anonymous (401)', async () => {
      const url = `${API}/chats/${chat.id}/invites`;
      expectErrorShape(
        (await t.http().post(url).set(member.auth).send({}).expect(403)).body,
        403,
        'forbidden',
      );
      expectErrorShape(
        (await t.http().post(url).set(stranger.auth).send({}).expect(403)).body,
        403,
        'not_a_member',
      );
      await t.http().post(url).send({}).expect(401);
      await t.http().get(url).set(member.auth).expect(403);
    });

    it('refuses links to a two-person chat: it is a personal conversation (403 forbidden)', async () => {
      const personal = await createChat(t, owner, [member]);
      const res = await t
        .http()
        .post(`${API}/chats/${personal.id}/invites`)
        .set(owner.auth)
        .send({})
        .expect(403);
      expectErrorShape(res.body, 403, 'forbidden');
      expect((res.body as { message: string }).message).toMatch(/two-person/);
      // Favorites (the owner alone) may grow into a group through a link.
      const favorites = await createChat(t, owner, []);
      await invite(owner, {}, favorites.id);
    });

    it('validates the body: bounds, integers, no unknown fields', async () => {
      const url = `${API}/chats/${chat.id}/invites`;
      for (const [body, field] of [
        [{ expires_in_seconds: 59 }, 'expires_in_seconds'],
        [{ expires_in_seconds: 31_536_001 }, 'expires_in_seconds'],
        [{ expires_in_seconds: 1.5 }, 'expires_in_seconds'],
        [{ max_uses: 0 }, 'max_uses'],
        [{ max_uses: 10_001 }, 'max_uses'],
        [{ max_uses: '3' }, 'max_uses'],
        [{ chat_id: 1 }, 'chat_id'],
      ] as const) {
        expectValidation((await t.http().post(url).set(owner.auth).send(body).expect(400)).body, field);
      }
    });

    it('lists the links that still admit someone, newest first, to owner and admins', async () => {
      const first = await invite(owner, { max_uses: 1 });
      const second = await invite(admin);
      const expired = await invite(owner);
      await t.db.query(`UPDATE chat_invites SET expires_at = now() - interval '1 second' WHERE code = $1`, [
        expired.code,
      ]);
      await join(stranger, first.code).expect(201);
      for (const user of [owner, admin]) {
        const res = await t.http().get(`${API}/chats/${chat.id}/invites`).set(user.auth).expect(200);
        expect(res.body).toEqual({ items: [second] });
      }
    });

    it('revokes a link (204): it then answers 404 to previews, joins and a second revoke', async () => {
      const link = await invite(owner);
      const url = `${API}/chats/${chat.id}/invites/${link.code}`;
      await t.http().delete(url).set(member.auth).expect(403);
      await t.http().delete(url).set(admin.auth).expect(204);
      expectErrorShape((await preview(stranger, link.code).expect(404)).body, 404, 'invite_not_found');
      expectErrorShape((await join(stranger, link.code).expect(404)).body, 404, 'invite_not_found');
      expectErrorShape(
        (await t.http().delete(url).set(owner.auth).expect(404)).body,
        404,
        'invite_not_found',
      );
    });

    it('answers 404 to a link revoked under another chat, or a code that cannot be one', async () => {
      const other = await createChat(t, owner, [admin, stranger]);
      const link = await invite(owner);
      await t.http().delete(`${API}/chats/${other.id}/invites/${link.code}`).set(owner.auth).expect(404);
      await t.http().delete(`${API}/chats/${chat.id}/invites/nope`).set(owner.auth).expect(404);
      await preview(stranger, link.code).expect(200);
    });

    it('caps the working links of a chat at 100 (409 limit_exceeded)', async () => {
      await t.db.query(
        `INSERT INTO chat_invites (code, chat_id, created_by)
         SELECT substr(md5(random()::text) || md5(random()::text), 1, 24), $1, $2 FROM generate_series(1, 100)`,
        [chat.id, owner.id],
      );
      const res = await t.http().post(`${API}/chats/${chat.id}/invites`).set(owner.auth).send({}).expect(409);
      expectErrorShape(res.body, 409, 'limit_exceeded');
      expect((res.body as { details: unknown }).details).toEqual({ limit: 100 });
      const listed = await t.http().get(`${API}/chats/${chat.id}/invites`).set(owner.auth).expect(200);
      expect((listed.body as { items: unknown[] }).items).toHaveLength(100);
    });
  });

  describe('preview', () => {
    it('shows anyone signed in the title, type, avatar, member count and expiry: nothing more', async () => {
      await send(t, owner, chat.id, 'секрет: адрес передержки');
      const link = await invite(owner, { expires_in_seconds: 600 });
      const res = await preview(stranger, link.code).expect(200);
      expect(res.body).toEqual({
        chat: {
          id: chat.id,
          title: 'Ловцы Северного',
          chat_type: 'seeker',
          avatar_url: null,
          member_count: 3,
        },
        expires_at: link.expires_at,
      });
      expect(JSON.stringify(res.body)).not.toMatch(/секрет|username|members|last_message|code|uses/);
      await t.http().get(`${API}/invites/${link.code}`).expect(401);
    });

    it('answers 410 invite_expired past the expiry or the uses, 404 for unknown codes and deleted chats', async () => {
      const expired = await invite(owner);
      await t.db.query(`UPDATE chat_invites SET expires_at = now() - interval '1 second' WHERE code = $1`, [
        expired.code,
      ]);
      expectErrorShape((await preview(stranger, expired.code).expect(410)).body, 410, 'invite_expired');
      const spent = await invite(owner, { max_uses: 1 });
      await join(stranger, spent.code).expect(201);
      expectErrorShape((await preview(member, spent.code).expect(410)).body, 410, 'invite_expired');
      for (const code of [randomBytes(18).toString('base64url'), 'x', '%25', 'a'.repeat(300)]) {
        expectErrorShape((await preview(stranger, code).expect(404)).body, 404, 'invite_not_found');
      }
      const live = await invite(owner);
      await t.http().delete(`${API}/chats/${chat.id}`).set(owner.auth).expect(204);
      await preview(stranger, live.code).expect(404);
      await join(stranger, live.code).expect(404);
    });
  });

  describe('joining', () => {
    it('adds the joiner as a member (201 Chat) with the events of an add; a member again gets 200 and takes no use', async () => {
      const link = await invite(admin, { max_uses: 3 });
      const [ownerSocket, strangerSocket] = await Promise.all([connectAs(t, owner), connectAs(t, stranger)]);
      const added = waitForEvent(ownerSocket, 'member:added');
      const updated = waitForEvent(strangerSocket, 'chat:updated', 5000, (c) => c.id === chat.id);

      const res = await join(stranger, link.code).expect(201);
      expect(res.body).toMatchObject({
        id: chat.id,
        my_role: 'member',
        visibility: 'private',
        title: 'Ловцы Северного',
      });
      expect((res.body as ChatBody).members.map((m) => m.user_id)).toContain(stranger.id);
      expect(await added).toEqual({
        chat_id: chat.id,
        member: expect.objectContaining({ user_id: stranger.id, role: 'member' }),
      });
      expect(await updated).toMatchObject({ id: chat.id, my_role: 'member' });
      // The joiner's socket is in the room from now on.
      const next = waitForEvent(strangerSocket, 'message:new');
      await send(t, owner, chat.id, 'добро пожаловать');
      expect(await next).toMatchObject({ content: 'добро пожаловать' });

      const again = await join(stranger, link.code).expect(200);
      expect(again.body).toMatchObject({ id: chat.id, my_role: 'member' });
      await join(owner, link.code).expect(200);
      expect(await usesOf(link.code)).toBe(1);
    });

    it('admits exactly one of concurrent joins on a max_uses: 1 link', async () => {
      const link = await invite(owner, { max_uses: 1 });
      const racers = await Promise.all([1, 2, 3, 4, 5].map(() => registerUser(t, 'racer')));
      const answers = await Promise.all(racers.map((racer) => join(racer, link.code)));
      const statuses = answers.map((res) => res.status).sort();
      expect(statuses).toEqual([201, 410, 410, 410, 410]);
      for (const res of answers.filter((r) => r.status === 410))
        expectErrorShape(res.body, 410, 'invite_expired');
      expect(await usesOf(link.code)).toBe(1);
      const members = await t.http().get(`${API}/chats/${chat.id}/members`).set(owner.auth).expect(200);
      const joined = (members.body as { items: { user_id: number }[] }).items.filter((m) =>
        racers.some((r) => r.id === m.user_id),
      );
      expect(joined).toHaveLength(1);
    });

    it('admits exactly max_uses of many concurrent joins', async () => {
      const link = await invite(owner, { max_uses: 3 });
      const racers = await Promise.all([1, 2, 3, 4, 5].map(() => registerUser(t, 'racer')));
      const statuses = (await Promise.all(racers.map((racer) => join(racer, link.code)))).map(
        (r) => r.status,
      );
      expect(statuses.filter((s) => s === 201)).toHaveLength(3);
      expect(statuses.filter((s) => s === 410)).toHaveLength(2);
      expect(await usesOf(link.code)).toBe(3);
    });

    it('refuses an expired link (410) and takes no use', async () => {
      const link = await invite(owner, { expires_in_seconds: 60, max_uses: 2 });
      await t.db.query(`UPDATE chat_invites SET expires_at = now() - interval '1 second' WHERE code = $1`, [
        link.code,
      ]);
      expectErrorShape((await join(stranger, link.code).expect(410)).body, 410, 'invite_expired');
      expect(await usesOf(link.code)).toBe(0);
    });

    it('bars a member an owner or admin removed (403) until a manager adds them back; one who left may return', async () => {
      const link = await invite(owner);
      await removeMember(t, chat.id, admin, member);
      const refused = await join(member, link.code).expect(403);
      expectErrorShape(refused.body, 403, 'forbidden');
      expect(await usesOf(link.code)).toBe(0);

      await t.http().post(`${API}/chats/${chat.id}/members/${member.id}`).set(owner.auth).expect(201);
      await t.http().delete(`${API}/chats/${chat.id}/members/${member.id}`).set(member.auth).expect(204);
      await join(member, link.code).expect(201);
      expect(await usesOf(link.code)).toBe(1);
    });

    it('refuses (403 blocked) when the link’s maker and the joiner block each other, either way', async () => {
      const link = await invite(admin);
      const other = await registerUser(t, 'other');
      await t.db.query('INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2), ($3, $1)', [
        admin.id,
        stranger.id,
        other.id,
      ]);
      expectErrorShape((await join(stranger, link.code).expect(403)).body, 403, 'blocked');
      expectErrorShape((await join(other, link.code).expect(403)).body, 403, 'blocked');
      expect(await usesOf(link.code)).toBe(0);
      // A link someone else made lets them in: a group chat is not personal contact.
      await join(stranger, (await invite(owner)).code).expect(201);
    });

    it('refuses past the member cap (409 limit_exceeded) and gives the use back', async () => {
      const link = await invite(owner, { max_uses: 10 });
      const joiners = await Promise.all([1, 2, 3, 4, 5, 6].map(() => registerUser(t, 'joiner')));
      for (const joiner of joiners.slice(0, 5)) await join(joiner, link.code).expect(201);
      const res = await join(joiners[5], link.code).expect(409);
      expectErrorShape(res.body, 409, 'limit_exceeded');
      expect(await usesOf(link.code)).toBe(5);
    });

    it('keeps a removed member barred when the chat changes hands', async () => {
      const link = await invite(owner);
      await removeMember(t, chat.id, owner, member);
      await t
        .http()
        .patch(`${API}/chats/${chat.id}/members/${admin.id}`)
        .set(owner.auth)
        .send({ role: 'owner' })
        .expect(200);
      await join(member, link.code).expect(403);
    });
  });
});

/** A link made on instance A and used on B: the events reach sockets on both. */
describe('invite links across two instances (e2e)', () => {
  let pair: AppPair;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    pair = await startPair();
    ({ a, b } = pair);
  }, 30_000);
  afterEach(() => closeSockets());
  afterAll(() => pair?.close());

  it('joins through B with a link made on A: members on A hear it, the joiner’s sockets on A join the room', async () => {
    const [owner, member, joiner, late] = await Promise.all([
      registerUser(a, 'owner'),
      registerUser(a, 'member'),
      registerUser(b, 'joiner'),
      registerUser(b, 'late'),
    ]);
    const chat = await createChat(a, owner, [member], { title: 'Кластер' });
    await a.http().post(`${API}/chats/${chat.id}/members/${late.id}`).set(owner.auth).expect(201);
    const link = (
      await a.http().post(`${API}/chats/${chat.id}/invites`).set(owner.auth).send({ max_uses: 1 }).expect(201)
    ).body as InviteBody;
    const [memberOnA, joinerOnA] = await Promise.all([connectAs(a, member), connectAs(a, joiner)]);
    const added = waitForEvent(memberOnA, 'member:added', 5000, (e) => e.member.user_id === joiner.id);
    const updated = waitForEvent(joinerOnA, 'chat:updated', 5000, (c) => c.id === chat.id);

    await b.http().post(`${API}/invites/${link.code}/join`).set(joiner.auth).expect(201);
    expect(await added).toMatchObject({ chat_id: chat.id });
    expect(await updated).toMatchObject({ id: chat.id, my_role: 'member' });
    const next = waitForEvent(joinerOnA, 'message:new');
    await send(b, owner, chat.id, 'через B');
    expect(await next).toMatchObject({ chat_id: chat.id, content: 'через B' });

    // The one use is spent, on either instance.
    const other = await registerUser(a, 'other');
    await a.http().post(`${API}/invites/${link.code}/join`).set(other.auth).expect(410);
    await b.http().get(`${API}/invites/${link.code}`).set(other.auth).expect(410);
  });

  it('admits exactly one of joins racing on A and B for the last use', async () => {
    const owner = await registerUser(a, 'owner');
    const chat = await createChat(a, owner, [await registerUser(a), await registerUser(a)]);
    const link = (
      await a.http().post(`${API}/chats/${chat.id}/invites`).set(owner.auth).send({ max_uses: 1 }).expect(201)
    ).body as InviteBody;
    const racers = await Promise.all([1, 2, 3, 4].map(() => registerUser(a, 'racer')));
    const statuses = await Promise.all(
      racers.map((racer, i) =>
        (i % 2 === 0 ? a : b)
          .http()
          .post(`${API}/invites/${link.code}/join`)
          .set(racer.auth)
          .then((r) => r.status),
      ),
    );
    expect(statuses.sort()).toEqual([201, 410, 410, 410]);
  });
});
