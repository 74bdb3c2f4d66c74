import sharp from 'sharp';
import { AttachmentsSweeper } from '../src/attachments/attachments.sweeper';
import { useApp } from './support/app.fixture';
import {
  attachmentState,
  avatarIdOf,
  fetchSigned,
  THUMBNAIL_URL,
  uploaded,
} from './support/attachments.helpers';
import { createChat, removeMember } from './support/chats.helpers';
import { expectErrorShape } from './support/errors.helpers';
import { oggOpus, pdf, png } from './support/media.fixtures';
import { API, MANY_REQUESTS, postMessage } from './support/messages.helpers';
import { closeSockets, connectAs, EventLog, waitForEvent } from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

const USER_KEYS = ['avatar_url', 'display_name', 'id', 'username'];

interface UserBody {
  id: number;
  username: string;
  display_name: string;
  avatar_url: string | null;
}

describe('profiles: PATCH /users/me, avatar_url on User and Member (e2e)', () => {
  const t = useApp(MANY_REQUESTS);
  let anna: TestUser;
  let boris: TestUser;

  const patchMe = (user: TestUser, body: object) =>
    t.http().patch(`${API}/users/me`).set(user.auth).send(body);
  const image = async (user: TestUser) => (await uploaded(t, user, await png(640, 480))).id;

  beforeAll(async () => {
    [anna, boris] = await Promise.all([registerUser(t, 'anna', 'Anna'), registerUser(t, 'boris')]);
  });
  afterEach(closeSockets);

  it('sets the display name and the avatar in one PATCH; the avatar_url serves a WebP of at most 320 px', async () => {
    const avatarId = await image(anna);
    const res = await patchMe(anna, { display_name: '  Anna K.  ', avatar_id: avatarId }).expect(200);
    const user = res.body as UserBody;
    expect(Object.keys(user).sort()).toEqual(USER_KEYS);
    expect(user).toMatchObject({ id: anna.id, username: anna.username, display_name: 'Anna K.' });
    expect(avatarIdOf(user.avatar_url)).toBe(avatarId);
    expect((await attachmentState(t.db, avatarId))?.attached_at).not.toBeNull();

    const served = await fetchSigned(t, user.avatar_url!).expect(200);
    expect(served.headers['content-type']).toBe('image/webp');
    const meta = await sharp(served.body as Buffer).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(320);

    // Everywhere a User is shown: GET /users/me, the search, the login answer.
    const me = (await t.http().get(`${API}/users/me`).set(anna.auth).expect(200)).body as UserBody;
    expect(me).toMatchObject({ display_name: 'Anna K.' });
    expect(avatarIdOf(me.avatar_url)).toBe(avatarId);
    const search = await t
      .http()
      .get(`${API}/users`)
      .query({ search: anna.username })
      .set(boris.auth)
      .expect(200);
    expect(avatarIdOf((search.body as { items: UserBody[] }).items[0].avatar_url)).toBe(avatarId);
    const login = await t
      .http()
      .post(`${API}/auth/login`)
      .send({ username: anna.username, password: anna.password })
      .expect(200);
    expect(avatarIdOf((login.body as { user: UserBody }).user.avatar_url)).toBe(avatarId);
    const registered = await registerUser(t, 'fresh');
    const fresh = (await t.http().get(`${API}/users/me`).set(registered.auth).expect(200)).body as UserBody;
    expect(fresh.avatar_url).toBeNull();
  });

  it('replacing or removing the avatar marks the old one deleted; the sweep removes it and keeps the current one', async () => {
    const first = await image(anna);
    const second = await image(anna);
    await patchMe(anna, { avatar_id: first }).expect(200);
    const res = await patchMe(anna, { avatar_id: second }).expect(200);
    expect(avatarIdOf((res.body as UserBody).avatar_url)).toBe(second);
    expect((await attachmentState(t.db, first))?.deleted_at).not.toBeNull();
    await t.http().get(`${API}/attachments/${first}`).set(anna.auth).expect(404);

    // The same id again changes nothing.
    await patchMe(anna, { avatar_id: second }).expect(200);
    expect((await attachmentState(t.db, second))?.deleted_at).toBeNull();

    const removed = await patchMe(anna, { avatar_id: null }).expect(200);
    expect((removed.body as UserBody).avatar_url).toBeNull();
    expect((await attachmentState(t.db, second))?.deleted_at).not.toBeNull();

    const third = await image(anna);
    await patchMe(anna, { avatar_id: third }).expect(200);
    // Deleted attachments keep their bytes for ATTACHMENT_DELETED_GRACE_SECONDS: sweep as after it.
    const pastGrace = Date.now() + (t.config.attachments.deletedGraceSeconds + 1) * 1000;
    await t.app.get(AttachmentsSweeper).sweep(new Date(pastGrace));
    expect(await attachmentState(t.db, first)).toBeUndefined();
    expect(await attachmentState(t.db, second)).toBeUndefined();
    expect(await attachmentState(t.db, third)).toMatchObject({ deleted_at: null });
  });

  it('a current avatar may be read by anyone signed in; other uploads by their uploader only', async () => {
    const avatarId = await image(anna);
    const other = await image(anna);
    await patchMe(anna, { avatar_id: avatarId }).expect(200);
    await t.http().get(`${API}/attachments/${avatarId}`).set(boris.auth).expect(200);
    await t.http().get(`${API}/attachments/${avatarId}`).expect(401);
    const refused = await t.http().get(`${API}/attachments/${other}`).set(boris.auth).expect(403);
    expectErrorShape(refused.body, 403, 'forbidden');
  });

  it.each<[string, () => Promise<number>]>([
    ["someone else's image", async () => (await uploaded(t, boris, await png(8, 8))).id],
    ['a voice message', async () => (await uploaded(t, anna, oggOpus(1))).id],
    ['a file', async () => (await uploaded(t, anna, pdf())).id],
    ['an unknown id', () => Promise.resolve(2_000_000_000)],
    [
      'an image already used as a chat avatar',
      async () => {
        const id = await image(anna);
        const chat = await createChat(t, anna, [boris], { chat_type: 'vet', title: 'used' });
        await t.http().patch(`${API}/chats/${chat.id}`).set(anna.auth).send({ avatar_id: id }).expect(200);
        return id;
      },
    ],
    [
      'a deleted (replaced) avatar',
      async () => {
        const id = await image(anna);
        await patchMe(anna, { avatar_id: id }).expect(200);
        await patchMe(anna, { avatar_id: null }).expect(200);
        return id;
      },
    ],
  ])('refuses %s as avatar_id with 400 on avatar_id, and changes nothing', async (_, make) => {
    const id = await make();
    const before = (await t.http().get(`${API}/users/me`).set(anna.auth).expect(200)).body as UserBody;
    const res = await patchMe(anna, { avatar_id: id, display_name: 'Not this' }).expect(400);
    expectErrorShape(res.body, 400, 'validation_failed');
    expect((res.body as { details: { field: string }[] }).details.map((d) => d.field)).toEqual(['avatar_id']);
    const after = (await t.http().get(`${API}/users/me`).set(anna.auth).expect(200)).body as UserBody;
    expect(after).toEqual(expect.objectContaining({ display_name: before.display_name }));
    expect(avatarIdOf(after.avatar_url)).toEqual(avatarIdOf(before.avatar_url));
  });

  it.each<[string, object, string[]]>([
    ['an empty display_name', { display_name: '   ' }, ['display_name']],
    ['a display_name of 65 characters', { display_name: 'x'.repeat(65) }, ['display_name']],
    ['a display_name that is not a string', { display_name: 7 }, ['display_name']],
    ['a null display_name', { display_name: null }, ['display_name']],
    ['avatar_id 0', { avatar_id: 0 }, ['avatar_id']],
    ['avatar_id as text', { avatar_id: '12' }, ['avatar_id']],
    ['an unknown field', { display_name: 'Anna', username: 'taken' }, ['username']],
    ['an empty body', {}, ['display_name', 'avatar_id']],
  ])('answers %s with 400 on the field', async (_, body, fields) => {
    const res = await patchMe(anna, body).expect(400);
    expectErrorShape(res.body, 400, 'validation_failed');
    const named = (res.body as { details: { field: string }[] }).details.map((d) => d.field);
    expect([...new Set(named)].sort()).toEqual([...fields].sort());
  });

  it('answers 401 without a token', async () => {
    const res = await t.http().patch(`${API}/users/me`).send({ display_name: 'x' }).expect(401);
    expectErrorShape(res.body, 401);
  });

  it('of two concurrent uses of one upload (her avatar, her chat avatar), exactly one wins', async () => {
    const chat = await createChat(t, anna, [boris], { chat_type: 'keeper', title: 'race' });
    for (let round = 0; round < 5; round++) {
      const id = await image(anna);
      const statuses = (
        await Promise.all([
          patchMe(anna, { avatar_id: id }),
          t.http().patch(`${API}/chats/${chat.id}`).set(anna.auth).send({ avatar_id: id }),
        ])
      ).map((res) => res.status);
      expect(statuses.sort()).toEqual([200, 400]);
    }
  });

  it('reaches the chats she is an active member of as member:updated; messages keep their sender_name', async () => {
    const carol = await registerUser(t, 'carol');
    const dave = await registerUser(t, 'dave');
    const one = await createChat(t, anna, [boris, dave], { title: 'one' });
    const two = await createChat(t, boris, [anna], { chat_type: 'seeker', title: 'two' });
    await removeMember(t, one.id, anna, dave);
    await patchMe(anna, { display_name: 'Anna Before' }).expect(200);
    await postMessage(t, anna, one.id, { content: 'before' }).expect(201);
    const [borisSocket, carolSocket, daveSocket] = await Promise.all(
      [boris, carol, dave].map((u) => connectAs(t, u)),
    );
    const carolLog = new EventLog(carolSocket);
    const daveLog = new EventLog(daveSocket);
    const seen = [one.id, two.id].map((chatId) =>
      waitForEvent(borisSocket, 'member:updated', 5000, (e) => e.chat_id === chatId),
    );

    const avatarId = await image(anna);
    const me = await patchMe(anna, { display_name: 'Anna Renamed', avatar_id: avatarId }).expect(200);
    const events = await Promise.all(seen);
    for (const [event, chat, role] of [
      [events[0], one, 'owner'],
      [events[1], two, 'member'],
    ] as const) {
      expect(event).toEqual({
        chat_id: chat.id,
        member: {
          user_id: anna.id,
          username: anna.username,
          display_name: 'Anna Renamed',
          role,
          joined_at: expect.any(String),
          last_read_seq: expect.any(Number),
          avatar_url: expect.stringMatching(THUMBNAIL_URL),
        },
      });
      expect(avatarIdOf(event.member.avatar_url)).toBe(avatarId);
    }
    expect(avatarIdOf((me.body as UserBody).avatar_url)).toBe(avatarId);
    // A stranger and a removed member hear nothing of it.
    expect(carolLog.named('member:updated')).toEqual([]);
    expect(daveLog.named('member:updated')).toEqual([]);

    // The Member in GET members and in the chat; the message sent before keeps the old name.
    const members = await t.http().get(`${API}/chats/${one.id}/members`).set(boris.auth).expect(200);
    const annaMember = (members.body as { items: { user_id: number; avatar_url: string }[] }).items.find(
      (m) => m.user_id === anna.id,
    );
    expect(avatarIdOf(annaMember!.avatar_url)).toBe(avatarId);
    const chat = await t.http().get(`${API}/chats/${two.id}`).set(boris.auth).expect(200);
    const inChat = (chat.body as { members: { user_id: number; avatar_url: string | null }[] }).members;
    expect(avatarIdOf(inChat.find((m) => m.user_id === anna.id)!.avatar_url)).toBe(avatarId);
    expect(inChat.find((m) => m.user_id === boris.id)!.avatar_url).toBeNull();
    const history = await t.http().get(`${API}/chats/${one.id}/messages`).set(boris.auth).expect(200);
    expect((history.body as { items: { content: string; sender_name: string }[] }).items).toEqual([
      expect.objectContaining({ content: 'before', sender_name: 'Anna Before' }),
    ]);
  });
});
