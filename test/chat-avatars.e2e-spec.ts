import { useApp } from './support/app.fixture';
import { attachmentState, avatarIdOf, fetchSigned, uploaded } from './support/attachments.helpers';
import type { ChatBody, Roles } from './support/chats.helpers';
import { expectErrorShape } from './support/errors.helpers';
import { png } from './support/media.fixtures';
import { API, chatWithRoles, MANY_REQUESTS } from './support/messages.helpers';
import { closeSockets, connectAs, waitForEvent } from './support/sockets.helpers';
import type { TestUser } from './support/users.helpers';

interface ChatWithAvatar extends ChatBody {
  avatar_url: string | null;
}

describe('chat avatars: PATCH /chats/:chat_id avatar_id, avatar_url on Chat (e2e)', () => {
  const t = useApp(MANY_REQUESTS);
  let r: Roles;

  const image = async (user: TestUser) => (await uploaded(t, user, await png(500, 900))).id;
  const patchChat = (user: TestUser | undefined, body: object, chatId = r.chat.id) => {
    const req = t.http().patch(`${API}/chats/${chatId}`);
    return (user ? req.set(user.auth) : req).send(body);
  };
  const chatAs = async (user: TestUser) =>
    (await t.http().get(`${API}/chats/${r.chat.id}`).set(user.auth).expect(200)).body as ChatWithAvatar;

  beforeEach(async () => {
    r = await chatWithRoles(t);
    await patchChat(r.owner, { title: 'Рыжий кот' }).expect(200);
  });
  afterEach(closeSockets);

  it('the owner sets it: the answer, GET chat, the chat list and chat:updated carry avatar_url, which serves a WebP', async () => {
    expect((await chatAs(r.member)).avatar_url).toBeNull();
    const [memberSocket, adminSocket] = await Promise.all([connectAs(t, r.member), connectAs(t, r.admin)]);
    const updates = [memberSocket, adminSocket].map((socket) =>
      waitForEvent(socket, 'chat:updated', 5000, (c) => c.id === r.chat.id),
    );
    const avatarId = await image(r.owner);

    const res = await patchChat(r.owner, { avatar_id: avatarId }).expect(200);
    const answered = res.body as ChatWithAvatar;
    expect(answered).toMatchObject({ id: r.chat.id, title: 'Рыжий кот', my_role: 'owner' });
    expect(avatarIdOf(answered.avatar_url)).toBe(avatarId);
    for (const event of await Promise.all(updates)) {
      expect(event).toMatchObject({ id: r.chat.id, title: 'Рыжий кот' });
      expect(avatarIdOf(event.avatar_url)).toBe(avatarId);
    }
    expect(avatarIdOf((await chatAs(r.member)).avatar_url)).toBe(avatarId);
    const list = await t.http().get(`${API}/chats`).set(r.member.auth).expect(200);
    const listed = (list.body as { items: ChatWithAvatar[] }).items.find((c) => c.id === r.chat.id)!;
    expect(avatarIdOf(listed.avatar_url)).toBe(avatarId);
    expect((await attachmentState(t.db, avatarId))?.attached_at).not.toBeNull();

    const served = await fetchSigned(t, answered.avatar_url!).expect(200);
    expect(served.headers['content-type']).toBe('image/webp');
  });

  it('an admin replaces it with an upload of their own (the old one is deleted) and removes it with null', async () => {
    const first = await image(r.owner);
    await patchChat(r.owner, { avatar_id: first }).expect(200);
    const second = await image(r.admin);
    const res = await patchChat(r.admin, { avatar_id: second }).expect(200);
    expect(avatarIdOf((res.body as ChatWithAvatar).avatar_url)).toBe(second);
    expect((await attachmentState(t.db, first))?.deleted_at).not.toBeNull();

    // A v1 rename leaves the avatar as it is.
    const renamed = await patchChat(r.owner, { title: 'Новое имя' }).expect(200);
    expect(avatarIdOf((renamed.body as ChatWithAvatar).avatar_url)).toBe(second);

    const cleared = await patchChat(r.admin, { avatar_id: null }).expect(200);
    expect((cleared.body as ChatWithAvatar).avatar_url).toBeNull();
    expect((await attachmentState(t.db, second))?.deleted_at).not.toBeNull();
  });

  it("refuses someone else's upload with 400 on avatar_id (an admin cannot use the owner's)", async () => {
    const ownersImage = await image(r.owner);
    const res = await patchChat(r.admin, { avatar_id: ownersImage, title: 'not this' }).expect(400);
    expectErrorShape(res.body, 400, 'validation_failed');
    expect((res.body as { details: { field: string }[] }).details.map((d) => d.field)).toEqual(['avatar_id']);
    expect(await chatAs(r.owner)).toMatchObject({ title: 'Рыжий кот', avatar_url: null });
    expect((await attachmentState(t.db, ownersImage))?.attached_at).toBeNull();
  });

  it('answers 403 to a plain member, a stranger and a removed member, 401 anonymous; their upload stays unattached', async () => {
    for (const [user, code] of [
      [r.member, 'forbidden'],
      [r.stranger, 'not_a_member'],
      [r.removed, 'not_a_member'],
    ] as const) {
      const own = await image(user);
      const res = await patchChat(user, { avatar_id: own }).expect(403);
      expectErrorShape(res.body, 403, code);
      expect((await attachmentState(t.db, own))?.attached_at).toBeNull();
    }
    expectErrorShape((await patchChat(undefined, { avatar_id: null }).expect(401)).body, 401);
    expect((await chatAs(r.owner)).avatar_url).toBeNull();
  });

  it('answers 404 for a deleted chat; its avatar is then no longer readable by others', async () => {
    const avatarId = await image(r.owner);
    await patchChat(r.owner, { avatar_id: avatarId }).expect(200);
    await t.http().get(`${API}/attachments/${avatarId}`).set(r.stranger.auth).expect(200);
    await t.http().delete(`${API}/chats/${r.chat.id}`).set(r.owner.auth).expect(204);
    await patchChat(r.owner, { avatar_id: null }).expect(404);
    await t.http().get(`${API}/attachments/${avatarId}`).set(r.stranger.auth).expect(403);
  });

  it('answers an empty body with 400 naming title, avatar_id and visibility', async () => {
    const res = await patchChat(r.owner, {}).expect(400);
    expectErrorShape(res.body, 400, 'validation_failed');
    const fields = (res.body as { details: { field: string }[] }).details.map((d) => d.field);
    expect(fields.sort()).toEqual(['avatar_id', 'title', 'visibility']);
  });
});
