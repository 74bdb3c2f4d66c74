import { startApp, TestApp } from './support/app.fixture';
import { ChatBody, createChat, makeAdmin, removeMember } from './support/chats.helpers';
import { registerUser, TestUser } from './support/users.helpers';

const API = '/api/v1';

describe('members (e2e)', () => {
  let t: TestApp;
  let owner: TestUser;
  let admin: TestUser;
  let member: TestUser;
  let removed: TestUser;
  let stranger: TestUser;
  let chat: ChatBody;

  const members = async (as: TestUser = owner): Promise<{ user_id: number; role: string }[]> =>
    (await t.http().get(`${API}/chats/${chat.id}/members`).set(as.auth).expect(200)).body.items;

  beforeAll(async () => {
    t = await startApp({ MAX_MEMBERS_PER_CHAT: '6' });
  });
  afterAll(() => t.close());

  beforeEach(async () => {
    [owner, admin, member, removed, stranger] = await Promise.all([1, 2, 3, 4, 5].map(() => registerUser(t)));
    chat = await createChat(t, owner, [admin, member, removed]);
    await makeAdmin(t, chat.id, owner, admin);
    await removeMember(t, chat.id, owner, removed);
  });

  describe('GET /chats/:chat_id/members', () => {
    it('lists active members only, longest-standing first, for every member', async () => {
      for (const user of [owner, admin, member]) {
        const items = await members(user);
        expect(items).toEqual([
          {
            user_id: owner.id,
            username: owner.username,
            display_name: owner.display_name,
            role: 'owner',
            joined_at: expect.any(String),
            last_read_seq: 0,
            avatar_url: null,
          },
          expect.objectContaining({ user_id: admin.id, role: 'admin' }),
          expect.objectContaining({ user_id: member.id, role: 'member' }),
        ]);
      }
    });

    it('answers 401 anonymous, 403 stranger and removed member', async () => {
      await t.http().get(`${API}/chats/${chat.id}/members`).expect(401);
      await t.http().get(`${API}/chats/${chat.id}/members`).set(stranger.auth).expect(403);
      await t.http().get(`${API}/chats/${chat.id}/members`).set(removed.auth).expect(403);
    });
  });

  describe('POST /chats/:chat_id/members/:user_id', () => {
    it('lets the owner and admins add; the new member starts at last_read_seq 0', async () => {
      const res = await t
        .http()
        .post(`${API}/chats/${chat.id}/members/${stranger.id}`)
        .set(admin.auth)
        .expect(201);
      expect(res.body).toEqual(
        expect.objectContaining({ user_id: stranger.id, role: 'member', last_read_seq: 0 }),
      );
      const other = await registerUser(t);
      await t.http().post(`${API}/chats/${chat.id}/members/${other.id}`).set(owner.auth).expect(201);
      expect((await members()).map((m) => m.user_id)).toEqual(
        expect.arrayContaining([stranger.id, other.id]),
      );
      // The added user now has the chat in their list.
      const list = await t.http().get(`${API}/chats`).set(stranger.auth).expect(200);
      expect(list.body.items.map((c: ChatBody) => c.id)).toContain(chat.id);
    });

    it('refuses plain members, removed members and strangers (403), anonymous (401)', async () => {
      const other = await registerUser(t);
      for (const user of [member, removed, stranger]) {
        await t.http().post(`${API}/chats/${chat.id}/members/${other.id}`).set(user.auth).expect(403);
      }
      await t.http().post(`${API}/chats/${chat.id}/members/${other.id}`).expect(401);
    });

    it('restores a removed member as a plain member (no 500)', async () => {
      const res = await t
        .http()
        .post(`${API}/chats/${chat.id}/members/${removed.id}`)
        .set(owner.auth)
        .expect(201);
      expect(res.body).toEqual(expect.objectContaining({ user_id: removed.id, role: 'member' }));
      await t.http().get(`${API}/chats/${chat.id}`).set(removed.auth).expect(200);
    });

    it('answers 409 already_a_member, 404 user_not_found, 400 for a bad id', async () => {
      expect(
        (await t.http().post(`${API}/chats/${chat.id}/members/${member.id}`).set(owner.auth).expect(409)).body
          .code,
      ).toBe('already_a_member');
      expect(
        (await t.http().post(`${API}/chats/${chat.id}/members/2000000000`).set(owner.auth).expect(404)).body
          .code,
      ).toBe('user_not_found');
      const bad = await t.http().post(`${API}/chats/${chat.id}/members/abc`).set(owner.auth).expect(400);
      expect(bad.body.details).toEqual([{ field: 'user_id', message: 'must be a positive integer' }]);
    });

    it('answers 404 on a deleted chat', async () => {
      await t.http().delete(`${API}/chats/${chat.id}`).set(owner.auth).expect(204);
      await t.http().post(`${API}/chats/${chat.id}/members/${stranger.id}`).set(owner.auth).expect(404);
    });

    it('caps the members of a chat (MAX_MEMBERS_PER_CHAT=6 here) with 409 limit_exceeded', async () => {
      const extra = await Promise.all([1, 2, 3, 4].map(() => registerUser(t)));
      for (const user of extra.slice(0, 3)) {
        await t.http().post(`${API}/chats/${chat.id}/members/${user.id}`).set(owner.auth).expect(201);
      }
      const res = await t
        .http()
        .post(`${API}/chats/${chat.id}/members/${extra[3].id}`)
        .set(owner.auth)
        .expect(409);
      expect(res.body).toEqual(expect.objectContaining({ code: 'limit_exceeded', details: { limit: 6 } }));
      expect(await members()).toHaveLength(6);
    });
  });

  describe('PATCH /chats/:chat_id/members/:user_id', () => {
    it('lets the owner grant and take admin', async () => {
      const res = await t
        .http()
        .patch(`${API}/chats/${chat.id}/members/${member.id}`)
        .set(owner.auth)
        .send({ role: 'admin' })
        .expect(200);
      expect(res.body.role).toBe('admin');
      await t
        .http()
        .patch(`${API}/chats/${chat.id}/members/${member.id}`)
        .set(owner.auth)
        .send({ role: 'member' })
        .expect(200);
      expect((await members()).find((m) => m.user_id === member.id)!.role).toBe('member');
    });

    it('hands over ownership: the old owner becomes admin, one owner remains', async () => {
      const res = await t
        .http()
        .patch(`${API}/chats/${chat.id}/members/${member.id}`)
        .set(owner.auth)
        .send({ role: 'owner' })
        .expect(200);
      expect(res.body.role).toBe('owner');
      const roles = Object.fromEntries((await members(member)).map((m) => [m.user_id, m.role]));
      expect(roles).toEqual({ [owner.id]: 'admin', [admin.id]: 'admin', [member.id]: 'owner' });
    });

    it('refuses admins granting admin or owner, changing admins, and anyone changing the owner', async () => {
      await t
        .http()
        .patch(`${API}/chats/${chat.id}/members/${member.id}`)
        .set(admin.auth)
        .send({ role: 'admin' })
        .expect(403);
      await t
        .http()
        .patch(`${API}/chats/${chat.id}/members/${member.id}`)
        .set(admin.auth)
        .send({ role: 'owner' })
        .expect(403);
      await t
        .http()
        .patch(`${API}/chats/${chat.id}/members/${owner.id}`)
        .set(admin.auth)
        .send({ role: 'member' })
        .expect(403);
      await t
        .http()
        .patch(`${API}/chats/${chat.id}/members/${owner.id}`)
        .set(owner.auth)
        .send({ role: 'admin' })
        .expect(403);
      expect((await members()).map((m) => m.role)).toEqual(['owner', 'admin', 'member']);
    });

    it('refuses plain members, removed members, strangers (403) and anonymous (401)', async () => {
      for (const user of [member, removed, stranger]) {
        await t
          .http()
          .patch(`${API}/chats/${chat.id}/members/${admin.id}`)
          .set(user.auth)
          .send({ role: 'member' })
          .expect(403);
      }
      await t
        .http()
        .patch(`${API}/chats/${chat.id}/members/${admin.id}`)
        .send({ role: 'member' })
        .expect(401);
    });

    it('answers 400 for a bad role, 404 for someone not in the chat', async () => {
      const bad = await t
        .http()
        .patch(`${API}/chats/${chat.id}/members/${member.id}`)
        .set(owner.auth)
        .send({ role: 'user' })
        .expect(400);
      expect(bad.body.details).toEqual([expect.objectContaining({ field: 'role' })]);
      await t
        .http()
        .patch(`${API}/chats/${chat.id}/members/${member.id}`)
        .set(owner.auth)
        .send({ role: 'admin', extra: 1 })
        .expect(400);
      expect(
        (
          await t
            .http()
            .patch(`${API}/chats/${chat.id}/members/${stranger.id}`)
            .set(owner.auth)
            .send({ role: 'admin' })
            .expect(404)
        ).body.code,
      ).toBe('member_not_found');
      await t
        .http()
        .patch(`${API}/chats/${chat.id}/members/${removed.id}`)
        .set(owner.auth)
        .send({ role: 'admin' })
        .expect(404);
    });
  });

  describe('DELETE /chats/:chat_id/members/:user_id', () => {
    it('removes at once: the removed member gets 403 everywhere in the chat', async () => {
      await t.http().delete(`${API}/chats/${chat.id}/members/${member.id}`).set(admin.auth).expect(204);
      await t.http().get(`${API}/chats/${chat.id}`).set(member.auth).expect(403);
      await t.http().get(`${API}/chats/${chat.id}/members`).set(member.auth).expect(403);
      const list = await t.http().get(`${API}/chats`).set(member.auth).expect(200);
      expect(list.body.items.map((c: ChatBody) => c.id)).not.toContain(chat.id);
    });

    it('lets anyone leave', async () => {
      await t.http().delete(`${API}/chats/${chat.id}/members/${member.id}`).set(member.auth).expect(204);
      expect((await members()).map((m) => m.user_id)).toEqual([owner.id, admin.id]);
    });

    it('refuses members removing others, admins removing admins or the owner, strangers, removed members', async () => {
      await t.http().delete(`${API}/chats/${chat.id}/members/${admin.id}`).set(member.auth).expect(403);
      await t.http().delete(`${API}/chats/${chat.id}/members/${owner.id}`).set(admin.auth).expect(403);
      const admin2 = await registerUser(t);
      await t.http().post(`${API}/chats/${chat.id}/members/${admin2.id}`).set(owner.auth).expect(201);
      await makeAdmin(t, chat.id, owner, admin2);
      await t.http().delete(`${API}/chats/${chat.id}/members/${admin2.id}`).set(admin.auth).expect(403);
      await t.http().delete(`${API}/chats/${chat.id}/members/${member.id}`).set(stranger.auth).expect(403);
      await t.http().delete(`${API}/chats/${chat.id}/members/${member.id}`).set(removed.auth).expect(403);
      await t.http().delete(`${API}/chats/${chat.id}/members/${member.id}`).expect(401);
    });

    it('answers 404 for someone not in the chat', async () => {
      await t.http().delete(`${API}/chats/${chat.id}/members/${stranger.id}`).set(owner.auth).expect(404);
      await t.http().delete(`${API}/chats/${chat.id}/members/${removed.id}`).set(owner.auth).expect(404);
    });

    it('passes ownership to the longest-standing admin when the owner leaves', async () => {
      const later = await registerUser(t);
      await t.http().post(`${API}/chats/${chat.id}/members/${later.id}`).set(owner.auth).expect(201);
      await makeAdmin(t, chat.id, owner, later);
      await t.http().delete(`${API}/chats/${chat.id}/members/${owner.id}`).set(owner.auth).expect(204);
      const roles = Object.fromEntries((await members(admin)).map((m) => [m.user_id, m.role]));
      expect(roles).toEqual({ [admin.id]: 'owner', [member.id]: 'member', [later.id]: 'admin' });
    });

    it('passes ownership to the longest-standing member when there is no admin', async () => {
      const [a, b, c] = [await registerUser(t), await registerUser(t), await registerUser(t)];
      const group = await createChat(t, a, [b, c]);
      await t.http().delete(`${API}/chats/${group.id}/members/${a.id}`).set(a.auth).expect(204);
      const res = await t.http().get(`${API}/chats/${group.id}`).set(b.auth).expect(200);
      expect(res.body.members.filter((m: { role: string }) => m.role === 'owner')).toHaveLength(1);
    });

    it('deletes the chat when the last member leaves', async () => {
      const solo = await registerUser(t);
      const favorites = await createChat(t, solo, []);
      await t.http().delete(`${API}/chats/${favorites.id}/members/${solo.id}`).set(solo.auth).expect(204);
      await t.http().get(`${API}/chats/${favorites.id}`).set(solo.auth).expect(404);
    });

    it('keeps member changes in the chat order (updated_at moves)', async () => {
      const before = (await t.http().get(`${API}/chats/${chat.id}`).set(owner.auth)).body.updated_at;
      await t.http().delete(`${API}/chats/${chat.id}/members/${member.id}`).set(owner.auth).expect(204);
      const after = (await t.http().get(`${API}/chats/${chat.id}`).set(owner.auth)).body.updated_at;
      expect(Date.parse(after)).toBeGreaterThan(Date.parse(before));
    });
  });

  it('caps the chats one user may have created and still be in; chats others created do not count', async () => {
    const capped = await startApp({ MAX_CHATS_PER_USER: '2' });
    try {
      const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => registerUser(capped)));
      const first = await createChat(capped, a, [b]);
      await createChat(capped, a, [c]);
      const res = await capped
        .http()
        .post(`${API}/chats`)
        .set(a.auth)
        .send({ member_ids: [d.id] })
        .expect(409);
      expect(res.body).toEqual(
        expect.objectContaining({ code: 'limit_exceeded', details: { limit: 2, user_ids: [a.id] } }),
      );
      // Others may still put a in their chats, as many as they like: those are theirs.
      const ofD = await createChat(capped, d, [a]);
      await createChat(capped, b, [a, c]);
      const ofC = await createChat(capped, c, [d]);
      await capped.http().post(`${API}/chats/${ofC.id}/members/${a.id}`).set(c.auth).expect(201);
      expect(ofD.members).toHaveLength(2);
      // Leaving a chat of one's own frees a place; re-adding its creator counts it again.
      await capped.http().delete(`${API}/chats/${first.id}/members/${a.id}`).set(a.auth).expect(204);
      const third = await createChat(capped, a, [d], { chat_type: 'vet' });
      const again = await capped
        .http()
        .post(`${API}/chats/${first.id}/members/${a.id}`)
        .set(b.auth)
        .expect(409);
      expect(again.body).toEqual(
        expect.objectContaining({ code: 'limit_exceeded', details: { limit: 2, user_ids: [a.id] } }),
      );
      await capped.http().delete(`${API}/chats/${third.id}`).set(a.auth).expect(204);
      await capped.http().post(`${API}/chats/${first.id}/members/${a.id}`).set(b.auth).expect(201);
    } finally {
      await capped.close();
    }
  });
});
