import { randomBytes } from 'node:crypto';
import { startApp, TestApp } from './support/app.fixture';
import { ChatBody, createChat, makeAdmin, removeMember } from './support/chats.helpers';
import { expectErrorShape } from './support/errors.helpers';
import { API, expectValidation, MANY_REQUESTS, send } from './support/messages.helpers';
import { closeSockets, connectAs, waitForEvent } from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

interface SummaryBody {
  id: number;
  title: string | null;
  chat_type: string;
  avatar_url: string | null;
  member_count: number;
}
interface SummaryPage {
  items: SummaryBody[];
  next_cursor: string | null;
}

/** Public chats (issue 15, item 5): visibility, the list and its search, join and leave. */
describe('public chats (e2e)', () => {
  let t: TestApp;
  let owner: TestUser;
  let admin: TestUser;
  let member: TestUser;
  let stranger: TestUser;
  /** A word of this run's titles only: the test database holds other suites' chats too. */
  let tag: string;

  beforeAll(async () => {
    t = await startApp(MANY_REQUESTS);
  });
  afterEach(() => closeSockets());
  afterAll(() => t.close());

  beforeEach(async () => {
    [owner, admin, member, stranger] = await Promise.all(
      ['owner', 'admin', 'member', 'stranger'].map((name) => registerUser(t, name)),
    );
    tag = `тег${randomBytes(4).toString('hex')}`;
  });

  /** A public chat of the owner, the admin-to-be, the member and one more (a member set of its own). */
  const publicChat = async (title: string, extra: { chat_type?: string } = {}) =>
    createChat(t, owner, [admin, member, await registerUser(t, 'extra')], {
      title,
      ...extra,
      visibility: 'public',
    });
  const list = async (
    query: Record<string, string | number>,
    as: TestUser = stranger,
  ): Promise<SummaryPage> =>
    (await t.http().get(`${API}/chats/public`).query(query).set(as.auth).expect(200)).body as SummaryPage;
  const joinChat = (user: TestUser, chatId: number) =>
    t.http().post(`${API}/chats/${chatId}/join`).set(user.auth);

  describe('visibility', () => {
    it('is private by default and in every Chat response; public when created so', async () => {
      const plain = await createChat(t, owner, [admin, member]);
      expect(plain).toMatchObject({ visibility: 'private' });
      const open = await publicChat(`Волонтёры ${tag}`);
      expect(open).toMatchObject({ visibility: 'public' });
      const listed = await t.http().get(`${API}/chats`).set(owner.auth).expect(200);
      const items = (listed.body as { items: (ChatBody & { visibility: string })[] }).items;
      expect(items.find((c) => c.id === open.id)?.visibility).toBe('public');
      expect(items.find((c) => c.id === plain.id)?.visibility).toBe('private');
      const one = await t.http().get(`${API}/chats/${open.id}`).set(member.auth).expect(200);
      expect(one.body).toMatchObject({ visibility: 'public' });
    });

    it('refuses a public two-person chat (400 on visibility) and values other than private/public', async () => {
      const res = await t
        .http()
        .post(`${API}/chats`)
        .set(owner.auth)
        .send({ member_ids: [member.id], visibility: 'public' })
        .expect(400);
      expectValidation(res.body, 'visibility');
      for (const visibility of ['open', 'PUBLIC', 1]) {
        const bad = await t
          .http()
          .post(`${API}/chats`)
          .set(owner.auth)
          .send({ member_ids: [member.id, admin.id], visibility })
          .expect(400);
        expectValidation(bad.body, 'visibility');
      }
    });

    it('is changed by the owner only (PATCH), with chat:updated to the members', async () => {
      const chat = await createChat(t, owner, [admin, member], { title: `Группа ${tag}` });
      await makeAdmin(t, chat.id, owner, admin);
      const url = `${API}/chats/${chat.id}`;
      expectErrorShape(
        (await t.http().patch(url).set(admin.auth).send({ visibility: 'public' }).expect(403)).body,
        403,
        'forbidden',
      );
      await t.http().patch(url).set(member.auth).send({ visibility: 'public' }).expect(403);
      // An admin still renames.
      await t
        .http()
        .patch(url)
        .set(admin.auth)
        .send({ title: `Группа ${tag}!` })
        .expect(200);

      const socket = await connectAs(t, member);
      const updated = waitForEvent(socket, 'chat:updated', 5000, (c) => c.id === chat.id);
      const res = await t.http().patch(url).set(owner.auth).send({ visibility: 'public' }).expect(200);
      expect(res.body).toMatchObject({ visibility: 'public', my_role: 'owner' });
      expect(await updated).toMatchObject({ visibility: 'public', my_role: 'member' });
      expect((await list({ query: tag })).items.map((c) => c.id)).toEqual([chat.id]);

      await t.http().patch(url).set(owner.auth).send({ visibility: 'private' }).expect(200);
      expect((await list({ query: tag })).items).toEqual([]);
      expectValidation((await t.http().patch(url).set(owner.auth).send({}).expect(400)).body, 'visibility');
    });

    it('refuses to make a two-person chat public (403 forbidden)', async () => {
      const personal = await createChat(t, owner, [member]);
      const res = await t
        .http()
        .patch(`${API}/chats/${personal.id}`)
        .set(owner.auth)
        .send({ visibility: 'public' })
        .expect(403);
      expectErrorShape(res.body, 403, 'forbidden');
    });
  });

  describe('GET /chats/public', () => {
    it('lists live public chats only, each as {id, title, chat_type, avatar_url, member_count}', async () => {
      const open = await publicChat(`Кошки ${tag}`, { chat_type: 'keeper' });
      await createChat(t, owner, [admin, member], { title: `Кошки ${tag} тайно` });
      const gone = await publicChat(`Кошки ${tag} старые`);
      await t.http().delete(`${API}/chats/${gone.id}`).set(owner.auth).expect(204);
      await send(t, owner, open.id, 'не для чужих');

      const page = await list({ query: tag });
      expect(page).toEqual({
        items: [
          { id: open.id, title: `Кошки ${tag}`, chat_type: 'keeper', avatar_url: null, member_count: 4 },
        ],
        next_cursor: null,
      });
      await t.http().get(`${API}/chats/public`).expect(401);
    });

    it('searches titles by every word, case-insensitively (Cyrillic too), with % and _ literal', async () => {
      const a = await publicChat(`Рыжий КОТ ${tag}`);
      const b = await publicChat(`кот_100% ${tag}`);
      const c = await publicChat(`Собаки ${tag}`);
      const ids = async (query: string) => (await list({ query })).items.map((chat) => chat.id);
      expect(await ids(`кот ${tag.toUpperCase()}`)).toEqual([b.id, a.id]);
      expect(await ids(`рыжий ${tag}`)).toEqual([a.id]);
      expect(await ids(`100% ${tag}`)).toEqual([b.id]);
      expect(await ids(`т_1 ${tag}`)).toEqual([b.id]);
      expect(await ids(`% ${tag}`)).toEqual([b.id]);
      expect(await ids(`_ ${tag}`)).toEqual([b.id]);
      expect(await ids(`собаки ${tag}`)).toEqual([c.id]);
      expect(await ids(`${tag} нет-такого`)).toEqual([]);
    });

    it('filters by chat_type and pages newest first with a cursor, no chat twice or missed', async () => {
      const made: ChatBody[] = [];
      for (let i = 0; i < 5; i++)
        made.push(await publicChat(`Стая ${i} ${tag}`, { chat_type: i % 2 ? 'vet' : 'other' }));
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: SummaryPage = await list({ query: tag, limit: 2, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((chat) => chat.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(made.map((chat) => chat.id).reverse());
      const vets = await list({ query: tag, chat_type: 'vet' });
      expect(vets.items.map((chat) => chat.id)).toEqual([made[3].id, made[1].id]);
    });

    it('answers 400 to a bad limit, chat_type, cursor or query', async () => {
      const url = `${API}/chats/public`;
      for (const [query, field] of [
        [{ limit: 0 }, 'limit'],
        [{ limit: 101 }, 'limit'],
        [{ limit: 'x' }, 'limit'],
        [{ chat_type: 'party' }, 'chat_type'],
        [{ cursor: '!!' }, 'cursor'],
        [{ cursor: Buffer.from('0').toString('base64url') }, 'cursor'],
        [{ cursor: Buffer.from('99999999999').toString('base64url') }, 'cursor'],
        [{ query: 'x'.repeat(101) }, 'query'],
        [{ other: 1 }, 'other'],
      ] as const) {
        expectValidation((await t.http().get(url).query(query).set(stranger.auth).expect(400)).body, field);
      }
    });
  });

  describe('POST /chats/:chat_id/join and leaving', () => {
    it('adds anyone as a member (201 Chat) with member:added; 200 when already a member', async () => {
      const chat = await publicChat(`Вход ${tag}`);
      const [ownerSocket, strangerSocket] = await Promise.all([connectAs(t, owner), connectAs(t, stranger)]);
      const added = waitForEvent(ownerSocket, 'member:added', 5000, (e) => e.chat_id === chat.id);
      const res = await joinChat(stranger, chat.id).expect(201);
      expect(res.body).toMatchObject({ id: chat.id, my_role: 'member', visibility: 'public' });
      expect(await added).toMatchObject({ member: { user_id: stranger.id, role: 'member' } });
      const next = waitForEvent(strangerSocket, 'message:new');
      await send(t, owner, chat.id, 'привет');
      expect(await next).toMatchObject({ content: 'привет' });
      await joinChat(stranger, chat.id).expect(200);
      await joinChat(owner, chat.id).expect(200);
      expect((await list({ query: `вход ${tag}` })).items[0].member_count).toBe(5);
    });

    it('answers 403 for a private chat (even to a member who left), 404 for an unknown or deleted one', async () => {
      const hidden = await createChat(t, owner, [admin, member]);
      expectErrorShape((await joinChat(stranger, hidden.id).expect(403)).body, 403, 'forbidden');
      await t.http().delete(`${API}/chats/${hidden.id}/members/${member.id}`).set(member.auth).expect(204);
      await joinChat(member, hidden.id).expect(403);
      await joinChat(owner, hidden.id).expect(200);
      expectErrorShape((await joinChat(stranger, 2_147_483_647).expect(404)).body, 404, 'chat_not_found');
      const gone = await publicChat(`Удалён ${tag}`);
      await t.http().delete(`${API}/chats/${gone.id}`).set(owner.auth).expect(204);
      await joinChat(stranger, gone.id).expect(404);
      expectValidation((await joinChat(stranger, 0).expect(400)).body, 'chat_id');
    });

    it('lets a member leave through the members route and come back; one an admin removed stays out until re-added', async () => {
      const chat = await publicChat(`Выход ${tag}`);
      await makeAdmin(t, chat.id, owner, admin);
      await joinChat(stranger, chat.id).expect(201);
      await t.http().delete(`${API}/chats/${chat.id}/members/${stranger.id}`).set(stranger.auth).expect(204);
      await t.http().get(`${API}/chats/${chat.id}`).set(stranger.auth).expect(403);
      await joinChat(stranger, chat.id).expect(201);

      await removeMember(t, chat.id, owner, stranger);
      expectErrorShape((await joinChat(stranger, chat.id).expect(403)).body, 403, 'forbidden');
      await t.http().post(`${API}/chats/${chat.id}/members/${stranger.id}`).set(admin.auth).expect(201);
      await t.http().delete(`${API}/chats/${chat.id}/members/${stranger.id}`).set(stranger.auth).expect(204);
      await joinChat(stranger, chat.id).expect(201);
    });

    it('keeps everything else as for any group: non-members read nothing', async () => {
      const chat = await publicChat(`Закрыто ${tag}`);
      await t.http().get(`${API}/chats/${chat.id}`).set(stranger.auth).expect(403);
      await t.http().get(`${API}/chats/${chat.id}/messages`).set(stranger.auth).expect(403);
      await t
        .http()
        .post(`${API}/chats/${chat.id}/messages`)
        .set(stranger.auth)
        .send({ content: 'x' })
        .expect(403);
    });
  });
});
