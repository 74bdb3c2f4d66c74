import { startApp, TestApp } from './support/app.fixture';
import { ChatBody, createChat, makeAdmin, removeMember } from './support/chats.helpers';
import { registerUser, TestUser } from './support/users.helpers';

const API = '/api/v1';

describe('chats (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  describe('POST /chats', () => {
    it('creates a chat with the creator as owner and the others as members', async () => {
      const [anna, boris] = [await registerUser(t, 'anna', 'Анна'), await registerUser(t, 'boris')];
      const res = await t
        .http()
        .post(`${API}/chats`)
        .set(anna.auth)
        .send({ member_ids: [boris.id], chat_type: 'vet', title: '  Рыжий кот  ' })
        .expect(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        chat_type: 'vet',
        title: 'Рыжий кот',
        post_id: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
        members: [
          expect.objectContaining({
            user_id: anna.id,
            username: anna.username,
            display_name: 'Анна',
            role: 'owner',
            last_read_seq: 0,
          }),
          expect.objectContaining({ user_id: boris.id, role: 'member', last_read_seq: 0 }),
        ],
        last_message: null,
        unread_count: 0,
        unread_mentions_count: 0,
        my_role: 'owner',
        avatar_url: null,
        visibility: 'private',
        notifications: { level: 'all', muted_until: null },
      });
      expect(new Date(res.body.created_at).getFullYear()).toBeGreaterThan(2000);
    });

    it('defaults to type other, no title; the creator is a member even when listed', async () => {
      const [anna, boris] = [await registerUser(t), await registerUser(t)];
      const chat = await createChat(t, anna, [anna, boris]);
      expect(chat.chat_type).toBe('other');
      expect(chat.title).toBeNull();
      expect(chat.members.map((m) => m.user_id).sort()).toEqual([anna.id, boris.id].sort());
    });

    it('makes a chat with only yourself your favorites', async () => {
      const anna = await registerUser(t);
      const chat = await createChat(t, anna, []);
      expect(chat.members).toEqual([expect.objectContaining({ user_id: anna.id, role: 'owner' })]);
      const again = await t
        .http()
        .post(`${API}/chats`)
        .set(anna.auth)
        .send({ member_ids: [anna.id] })
        .expect(409);
      expect(again.body.details).toEqual({ chat_id: chat.id });
    });

    it('answers 409 chat_exists naming the chat for the same type and members, in any order', async () => {
      const [a, b, c] = [await registerUser(t), await registerUser(t), await registerUser(t)];
      const chat = await createChat(t, a, [b, c], { chat_type: 'keeper' });
      const res = await t
        .http()
        .post(`${API}/chats`)
        .set(c.auth)
        .send({ member_ids: [b.id, a.id], chat_type: 'keeper' })
        .expect(409);
      expect(res.body).toEqual({
        status: 409,
        code: 'chat_exists',
        message: expect.any(String),
        details: { chat_id: chat.id },
      });
      // Another type with the same people is another chat.
      await createChat(t, a, [b, c], { chat_type: 'vet' });
    });

    it('tells response chats apart by post_id', async () => {
      const [a, b] = [await registerUser(t), await registerUser(t)];
      const first = await createChat(t, a, [b], { chat_type: 'response', post_id: 501 });
      expect(first.post_id).toBe(501);
      await createChat(t, a, [b], { chat_type: 'response', post_id: 502 });
      const dup = await t
        .http()
        .post(`${API}/chats`)
        .set(b.auth)
        .send({ member_ids: [a.id], chat_type: 'response', post_id: 501 })
        .expect(409);
      expect(dup.body.details.chat_id).toBe(first.id);
    });

    it('gives one chat and one 409 to two racing identical creates', async () => {
      const [a, b] = [await registerUser(t), await registerUser(t)];
      const results = await Promise.all(
        [a, b].map((u) =>
          t
            .http()
            .post(`${API}/chats`)
            .set(u.auth)
            .send({ member_ids: [a.id, b.id], chat_type: 'seeker' }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      const created = results.find((r) => r.status === 201)!;
      expect(results.find((r) => r.status === 409)!.body.details.chat_id).toBe(created.body.id);
    });

    it('allows a new chat with the same people once the old one is deleted', async () => {
      const [a, b] = [await registerUser(t), await registerUser(t)];
      const chat = await createChat(t, a, [b]);
      await t.http().delete(`${API}/chats/${chat.id}`).set(a.auth).expect(204);
      await createChat(t, a, [b]);
    });

    it.each([
      ['a response chat without post_id', { member_ids: [], chat_type: 'response' }, 'post_id'],
      ['post_id on another type', { member_ids: [], chat_type: 'vet', post_id: 3 }, 'post_id'],
      ['an unknown chat_type', { member_ids: [], chat_type: 'party' }, 'chat_type'],
      ['member_ids missing', { chat_type: 'vet' }, 'member_ids'],
      ['member_ids not an array', { member_ids: 5 }, 'member_ids'],
      ['a non-integer member id', { member_ids: ['x'] }, 'member_ids'],
      ['a negative member id', { member_ids: [-1] }, 'member_ids'],
      ['duplicate member ids', { member_ids: [7, 7] }, 'member_ids'],
      ['an empty title', { member_ids: [], title: '  ' }, 'title'],
      ['a too long title', { member_ids: [], title: 'x'.repeat(201) }, 'title'],
      ['an unknown field', { member_ids: [], owner_id: 1 }, 'owner_id'],
    ])('rejects %s with 400', async (_, body, field) => {
      const a = await registerUser(t);
      const res = await t.http().post(`${API}/chats`).set(a.auth).send(body).expect(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });

    it('reports the type problem first (not a range message for a string)', async () => {
      const a = await registerUser(t);
      const res = await t
        .http()
        .post(`${API}/chats`)
        .set(a.auth)
        .send({ member_ids: [], post_id: 'abc' })
        .expect(400);
      expect(res.body.details).toEqual([{ field: 'post_id', message: 'post_id must be an integer number' }]);
    });

    it('rejects unknown users with 400 naming them, and creates nothing', async () => {
      const a = await registerUser(t);
      const res = await t
        .http()
        .post(`${API}/chats`)
        .set(a.auth)
        .send({ member_ids: [2_000_000_000] })
        .expect(400);
      expect(res.body.details).toEqual([{ field: 'member_ids', message: 'user 2000000000 does not exist' }]);
      const list = await t.http().get(`${API}/chats`).set(a.auth).expect(200);
      expect(list.body.items).toEqual([]);
    });

    it('needs a token', async () => {
      await t.http().post(`${API}/chats`).send({ member_ids: [] }).expect(401);
    });
  });

  describe('GET /chats', () => {
    it('lists my live chats, newest activity first, with cursor pages', async () => {
      const me = await registerUser(t);
      const others = await Promise.all([1, 2, 3, 4, 5].map(() => registerUser(t)));
      const chats: ChatBody[] = [];
      for (const other of others) chats.push(await createChat(t, me, [other]));
      // Activity moves a chat to the top.
      await t.http().patch(`${API}/chats/${chats[1].id}`).set(me.auth).send({ title: 'renamed' }).expect(200);

      const first = await t.http().get(`${API}/chats`).query({ limit: 2 }).set(me.auth).expect(200);
      expect(first.body.items.map((c: ChatBody) => c.id)).toEqual([chats[1].id, chats[4].id]);
      expect(first.body.next_cursor).toEqual(expect.any(String));
      const second = await t
        .http()
        .get(`${API}/chats`)
        .query({ limit: 2, cursor: first.body.next_cursor })
        .set(me.auth)
        .expect(200);
      expect(second.body.items.map((c: ChatBody) => c.id)).toEqual([chats[3].id, chats[2].id]);
      const third = await t
        .http()
        .get(`${API}/chats`)
        .query({ limit: 2, cursor: second.body.next_cursor })
        .set(me.auth)
        .expect(200);
      expect(third.body.items.map((c: ChatBody) => c.id)).toEqual([chats[0].id]);
      expect(third.body.next_cursor).toBeNull();
    });

    it('filters by chat_type and leaves out deleted chats and chats I left', async () => {
      const [me, a, b, c] = await Promise.all([1, 2, 3, 4].map(() => registerUser(t)));
      const vet = await createChat(t, me, [a], { chat_type: 'vet' });
      const keeper = await createChat(t, me, [b], { chat_type: 'keeper' });
      const deleted = await createChat(t, me, [c], { chat_type: 'vet' });
      const left = await createChat(t, a, [me, b, c], { chat_type: 'vet' });
      await t.http().delete(`${API}/chats/${deleted.id}`).set(me.auth).expect(204);
      await t.http().delete(`${API}/chats/${left.id}/members/${me.id}`).set(me.auth).expect(204);

      const vets = await t.http().get(`${API}/chats`).query({ chat_type: 'vet' }).set(me.auth).expect(200);
      expect(vets.body.items.map((x: ChatBody) => x.id)).toEqual([vet.id]);
      const all = await t.http().get(`${API}/chats`).set(me.auth).expect(200);
      expect(all.body.items.map((x: ChatBody) => x.id).sort()).toEqual([vet.id, keeper.id].sort());
    });

    it.each([
      [{ chat_type: 'party' }, 'chat_type'],
      [{ limit: '0' }, 'limit'],
      [{ limit: '101' }, 'limit'],
      [{ limit: 'ten' }, 'limit'],
      [{ cursor: 'not a cursor!' }, 'cursor'],
      [{ cursor: 'Zm9v' }, 'cursor'],
    ])('rejects %p with 400', async (query, field) => {
      const me = await registerUser(t);
      const res = await t.http().get(`${API}/chats`).query(query).set(me.auth).expect(400);
      expect(res.body.details).toEqual([expect.objectContaining({ field })]);
    });
  });

  describe('authorization of GET/PATCH/DELETE /chats/:chat_id', () => {
    let owner: TestUser;
    let admin: TestUser;
    let member: TestUser;
    let removed: TestUser;
    let stranger: TestUser;
    let chat: ChatBody;

    beforeEach(async () => {
      [owner, admin, member, removed, stranger] = await Promise.all(
        [1, 2, 3, 4, 5].map(() => registerUser(t)),
      );
      chat = await createChat(t, owner, [admin, member, removed]);
      await makeAdmin(t, chat.id, owner, admin);
      await removeMember(t, chat.id, owner, removed);
    });

    it('GET: members see it as they are (my_role); others get 401/403', async () => {
      for (const [user, role] of [
        [owner, 'owner'],
        [admin, 'admin'],
        [member, 'member'],
      ] as const) {
        const res = await t.http().get(`${API}/chats/${chat.id}`).set(user.auth).expect(200);
        expect(res.body.my_role).toBe(role);
        expect(res.body.members.map((m: { user_id: number }) => m.user_id)).not.toContain(removed.id);
      }
      await t.http().get(`${API}/chats/${chat.id}`).expect(401);
      expect((await t.http().get(`${API}/chats/${chat.id}`).set(stranger.auth).expect(403)).body.code).toBe(
        'not_a_member',
      );
      await t.http().get(`${API}/chats/${chat.id}`).set(removed.auth).expect(403);
    });

    it('PATCH: owner and admin rename; member, removed, stranger 403; anonymous 401', async () => {
      const res = await t
        .http()
        .patch(`${API}/chats/${chat.id}`)
        .set(owner.auth)
        .send({ title: 'Owner title' })
        .expect(200);
      expect(res.body.title).toBe('Owner title');
      expect(Date.parse(res.body.updated_at)).toBeGreaterThan(Date.parse(chat.updated_at));
      await t.http().patch(`${API}/chats/${chat.id}`).set(admin.auth).send({ title: null }).expect(200);
      for (const user of [member, removed, stranger]) {
        await t.http().patch(`${API}/chats/${chat.id}`).set(user.auth).send({ title: 'x' }).expect(403);
      }
      await t.http().patch(`${API}/chats/${chat.id}`).send({ title: 'x' }).expect(401);
      const bad = await t
        .http()
        .patch(`${API}/chats/${chat.id}`)
        .set(owner.auth)
        .send({ title: 5 })
        .expect(400);
      expect(bad.body.details).toEqual([expect.objectContaining({ field: 'title' })]);
      await t.http().patch(`${API}/chats/${chat.id}`).set(owner.auth).send({}).expect(400);
    });

    it('DELETE: a member of a group may not; admin may; then everything answers 404', async () => {
      for (const user of [member, removed, stranger]) {
        await t.http().delete(`${API}/chats/${chat.id}`).set(user.auth).expect(403);
      }
      await t.http().delete(`${API}/chats/${chat.id}`).expect(401);
      await t.http().delete(`${API}/chats/${chat.id}`).set(admin.auth).expect(204);
      for (const user of [owner, admin, member, stranger]) {
        expect((await t.http().get(`${API}/chats/${chat.id}`).set(user.auth).expect(404)).body.code).toBe(
          'chat_not_found',
        );
      }
      await t.http().get(`${API}/chats/${chat.id}/members`).set(owner.auth).expect(404);
      await t.http().delete(`${API}/chats/${chat.id}`).set(owner.auth).expect(404);
    });

    it('DELETE: the owner may', async () => {
      await t.http().delete(`${API}/chats/${chat.id}`).set(owner.auth).expect(204);
    });

    it('DELETE: either member of a two-person chat may', async () => {
      const [a, b] = [await registerUser(t), await registerUser(t)];
      const pair = await createChat(t, a, [b]);
      await t.http().delete(`${API}/chats/${pair.id}`).set(b.auth).expect(204);
    });
  });

  it.each(['abc', '0', '-1', '1.5', '99999999999'])('rejects the path id %s with 400', async (id) => {
    const me = await registerUser(t);
    const res = await t.http().get(`${API}/chats/${id}`).set(me.auth).expect(400);
    expect(res.body.details).toEqual([{ field: 'chat_id', message: 'must be a positive integer' }]);
  });

  it('answers 404 for a chat that never existed', async () => {
    const me = await registerUser(t);
    await t.http().get(`${API}/chats/2000000000`).set(me.auth).expect(404);
  });
});
