import { createChat, type ChatBody } from './support/chats.helpers';
import { useApp } from './support/app.fixture';
import { API, chatWithRoles, MANY_REQUESTS, send, type MessageBody } from './support/messages.helpers';
import { closeSockets, connectAs, EventLog, request, waitForEvent } from './support/sockets.helpers';
import { registerUser, type TestUser } from './support/users.helpers';

type Reaction = { emoji: string; count: number; me: boolean };

describe('reactions (e2e)', () => {
  const t = useApp(MANY_REQUESTS);
  let owner: TestUser;
  let member: TestUser;
  let third: TestUser;
  let chat: ChatBody;

  beforeAll(async () => {
    [owner, member, third] = await Promise.all(['owner', 'member', 'third'].map((n) => registerUser(t, n)));
    chat = await createChat(t, owner, [member, third], { chat_type: 'vet' });
  });
  afterEach(() => closeSockets());

  const path = (chatId: number, messageId: number, emoji: string) =>
    `${API}/chats/${chatId}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;
  const put = (user: TestUser, messageId: number, emoji: string, chatId = chat.id) =>
    t
      .http()
      .put(path(chatId, messageId, emoji))
      .set(user.auth);
  const del = (user: TestUser, messageId: number, emoji: string, chatId = chat.id) =>
    t
      .http()
      .delete(path(chatId, messageId, emoji))
      .set(user.auth);
  const historyItem = async (user: TestUser, messageId: number, query: object = {}) => {
    const res = await t
      .http()
      .get(`${API}/chats/${chat.id}/messages`)
      .query(query)
      .set(user.auth)
      .expect(200);
    return (res.body.items as MessageBody[]).find((m) => m.id === messageId)!;
  };

  it('adds a reaction idempotently, counts people, says `me` per reader, and drops an emoji at 0', async () => {
    const message = await send(t, owner, chat.id, 'dog seen at the bridge');
    expect(message.reactions).toEqual([]);

    const first = await put(member, message.id, '👍').expect(200);
    expect(first.body).toEqual({ reactions: [{ emoji: '👍', count: 1, me: true }] });
    // Twice is one reaction.
    await put(member, message.id, '👍').expect(200, first.body);
    await put(owner, message.id, '👍').expect(200);
    // One person, several emoji.
    await put(owner, message.id, '🐕').expect(200);

    expect((await historyItem(owner, message.id)).reactions).toEqual([
      { emoji: '👍', count: 2, me: true },
      { emoji: '🐕', count: 1, me: true },
    ]);
    expect((await historyItem(member, message.id)).reactions).toEqual([
      { emoji: '👍', count: 2, me: true },
      { emoji: '🐕', count: 1, me: false },
    ]);
    expect((await historyItem(third, message.id)).reactions).toEqual([
      { emoji: '👍', count: 2, me: false },
      { emoji: '🐕', count: 1, me: false },
    ]);

    // Taking one back; an absent one is 200 with the current list.
    await del(owner, message.id, '🐕').expect(200, { reactions: [{ emoji: '👍', count: 2, me: true }] });
    await del(owner, message.id, '🐕').expect(200, { reactions: [{ emoji: '👍', count: 2, me: true }] });
    await del(third, message.id, '👍').expect(200, { reactions: [{ emoji: '👍', count: 2, me: false }] });
    await del(member, message.id, '👍').expect(200);
    await del(owner, message.id, '👍').expect(200, { reactions: [] });
    expect((await historyItem(owner, message.id)).reactions).toEqual([]);
    const [row] = await t.db.query('SELECT reaction_count FROM messages WHERE id = $1', [message.id]);
    expect(row.reaction_count).toBeNull();
  });

  it('orders most used first, equal counts by the first reacted', async () => {
    const message = await send(t, owner, chat.id, 'order');
    await put(owner, message.id, '🐈').expect(200);
    await put(owner, message.id, '🐕').expect(200);
    await put(member, message.id, '🐕').expect(200);
    await put(owner, message.id, '🦜').expect(200);
    const res = await put(third, message.id, '🐈').expect(200);
    expect((res.body.reactions as Reaction[]).map((r) => [r.emoji, r.count])).toEqual([
      ['🐈', 2],
      ['🐕', 2],
      ['🦜', 1],
    ]);
  });

  it('shows reactions everywhere a Message appears: history (plain, search, after), last_message, pins, edits', async () => {
    const message = await send(t, owner, chat.id, 'findable walrus');
    await put(member, message.id, '❤️').expect(200);
    const expected = (me: boolean) => [{ emoji: '❤️', count: 1, me }];
    expect((await historyItem(member, message.id)).reactions).toEqual(expected(true));
    expect((await historyItem(member, message.id, { query: 'walrus' })).reactions).toEqual(expected(true));
    expect(
      (await historyItem(member, message.id, { after: message.seq - 1, sort: 'asc' })).reactions,
    ).toEqual(expected(true));
    const view = await t.http().get(`${API}/chats/${chat.id}`).set(member.auth).expect(200);
    expect(view.body.last_message).toMatchObject({ id: message.id, reactions: expected(true) });
    const ownerView = await t.http().get(`${API}/chats/${chat.id}`).set(owner.auth).expect(200);
    expect(ownerView.body.last_message.reactions).toEqual(expected(false));
    const list = await t.http().get(`${API}/chats`).set(member.auth).expect(200);
    expect(list.body.items.find((c: ChatBody) => c.id === chat.id).last_message.reactions).toEqual(
      expected(true),
    );

    await t.http().put(`${API}/chats/${chat.id}/pins/${message.id}`).set(owner.auth).expect(204);
    const pins = await t.http().get(`${API}/chats/${chat.id}/pins`).set(member.auth).expect(200);
    expect(pins.body.items[0]).toMatchObject({ id: message.id, reactions: expected(true) });

    // The editor's answer has their own `me`; the room's message:updated has none.
    const socket = await connectAs(t, member);
    const updated = waitForEvent(socket, 'message:updated');
    await t
      .http()
      .put(path(chat.id, message.id, '❤️'))
      .set(owner.auth)
      .expect(200);
    const edit = await t
      .http()
      .patch(`${API}/chats/${chat.id}/messages/${message.id}`)
      .set(owner.auth)
      .send({ content: 'edited walrus' })
      .expect(200);
    expect(edit.body.reactions).toEqual([{ emoji: '❤️', count: 2, me: true }]);
    expect((await updated).reactions).toEqual([{ emoji: '❤️', count: 2, me: false }]);
  });

  it('says `me` right for every reader past 32 reactions and back: history, search, last_message, pins', async () => {
    // The service lists who reacted only while a message has at most 32 reactions, and looks up
    // the reader's own emoji past that: both ways must show the same thing.
    const crowd = await Promise.all(Array.from({ length: 34 }, (_, i) => registerUser(t, `crowd${i}`)));
    const [host, loner, ...others] = crowd;
    const group = await createChat(t, host, crowd.slice(1), { chat_type: 'other' });
    const message = await send(t, host, group.id, 'crowded otter');
    await t.http().put(`${API}/chats/${group.id}/pins/${message.id}`).set(host.auth).expect(204);
    const react = (user: TestUser, emoji: string) => put(user, message.id, emoji, group.id).expect(200);
    // Every way a reader sees the message, each as that reader.
    const seen = async (user: TestUser): Promise<Reaction[][]> => {
      const pages = await Promise.all(
        [{}, { query: 'otter' }].map((query) =>
          t.http().get(`${API}/chats/${group.id}/messages`).query(query).set(user.auth).expect(200),
        ),
      );
      const view = await t.http().get(`${API}/chats/${group.id}`).set(user.auth).expect(200);
      const pins = await t.http().get(`${API}/chats/${group.id}/pins`).set(user.auth).expect(200);
      return [
        ...pages.map(
          (page) => (page.body.items as MessageBody[]).find((m) => m.id === message.id)!.reactions,
        ),
        view.body.last_message.reactions,
        pins.body.items[0].reactions,
      ] as Reaction[][];
    };
    const everywhere = (reactions: Reaction[]) => [reactions, reactions, reactions, reactions];

    for (const user of others) await react(user, '👍');
    await react(loner, '🐈');
    // 33 reactions in all: past the listed reactors.
    expect(await seen(others[0])).toEqual(
      everywhere([
        { emoji: '👍', count: 32, me: true },
        { emoji: '🐈', count: 1, me: false },
      ]),
    );
    expect(await seen(loner)).toEqual(
      everywhere([
        { emoji: '👍', count: 32, me: false },
        { emoji: '🐈', count: 1, me: true },
      ]),
    );
    expect(await seen(host)).toEqual(
      everywhere([
        { emoji: '👍', count: 32, me: false },
        { emoji: '🐈', count: 1, me: false },
      ]),
    );
    // Back to 32: listed again, the same answers.
    await del(others[0], message.id, '👍', group.id).expect(200);
    expect(await seen(others[0])).toEqual(
      everywhere([
        { emoji: '👍', count: 31, me: false },
        { emoji: '🐈', count: 1, me: false },
      ]),
    );
    expect(await seen(others[1])).toEqual(
      everywhere([
        { emoji: '👍', count: 31, me: true },
        { emoji: '🐈', count: 1, me: false },
      ]),
    );
  });

  it('sends message:new with no reactions, and message:reactions to the room only', async () => {
    const outsider = await registerUser(t, 'outsider');
    const [inRoom, outside] = [await connectAs(t, third), await connectAs(t, outsider)];
    const outsideLog = new EventLog(outside);
    const created = waitForEvent(inRoom, 'message:new');
    const message = await send(t, owner, chat.id, 'events');
    expect((await created).reactions).toEqual([]);

    const heard = waitForEvent(inRoom, 'message:reactions');
    await put(member, message.id, '🎉').expect(200);
    expect(await heard).toEqual({
      chat_id: chat.id,
      message_id: message.id,
      user_id: member.id,
      emoji: '🎉',
      on: true,
      reactions: [{ emoji: '🎉', count: 1 }],
    });
    const removed = waitForEvent(inRoom, 'message:reactions');
    await del(member, message.id, '🎉').expect(200);
    expect(await removed).toMatchObject({ user_id: member.id, emoji: '🎉', on: false, reactions: [] });
    // A no-op (absent reaction) tells nobody.
    const log = new EventLog(inRoom);
    await del(member, message.id, '🎉').expect(200);
    const fence = waitForEvent(inRoom, 'message:new');
    await send(t, owner, chat.id, 'fence');
    await fence;
    expect(log.named('message:reactions')).toEqual([]);
    expect(outsideLog.about(chat.id)).toEqual([]);
  });

  it('answers message:react over the socket with the reactions as the caller sees them', async () => {
    const message = await send(t, owner, chat.id, 'socket');
    const socket = await connectAs(t, member);
    const heard = waitForEvent(socket, 'message:reactions');
    const ack = await request(socket, 'message:react', {
      chat_id: chat.id,
      message_id: message.id,
      emoji: '🙏',
      on: true,
    });
    expect(ack).toEqual({ ok: true, data: { reactions: [{ emoji: '🙏', count: 1, me: true }] } });
    expect(await heard).toMatchObject({
      user_id: member.id,
      on: true,
      reactions: [{ emoji: '🙏', count: 1 }],
    });
    const off = await request(socket, 'message:react', {
      chat_id: chat.id,
      message_id: message.id,
      emoji: '🙏',
      on: false,
    });
    expect(off).toEqual({ ok: true, data: { reactions: [] } });
    const bad = await request(socket, 'message:react', {
      chat_id: chat.id,
      message_id: message.id,
      emoji: 'ok',
      on: true,
    });
    expect(bad).toEqual({
      ok: false,
      error: expect.objectContaining({
        status: 400,
        code: 'validation_failed',
        details: [expect.objectContaining({ field: 'emoji' })],
      }),
    });
  });

  describe('the emoji', () => {
    let messageId: number;
    beforeAll(async () => {
      messageId = (await send(t, owner, chat.id, 'emoji')).id;
    });

    it.each([
      ['a flag', '🇺🇦'],
      ['a skin tone', '👍🏽'],
      ['a ZWJ family', '👨‍👩‍👧‍👦'],
      ['a keycap', '1️⃣'],
    ])('takes %s as one emoji', async (_, emoji) => {
      const res = await put(owner, messageId, emoji).expect(200);
      expect(res.body.reactions).toContainEqual({ emoji, count: 1, me: true });
    });

    it('takes ❤ and ❤️ as one reaction', async () => {
      const id = (await send(t, owner, chat.id, 'hearts')).id;
      await put(owner, id, '❤').expect(200);
      const res = await put(member, id, '❤️').expect(200);
      expect(res.body.reactions).toEqual([{ emoji: '❤️', count: 2, me: true }]);
    });

    it.each([
      ['text', 'ok'],
      ['a digit', '1'],
      ['two emoji', '👍👍'],
      ['an emoji and a letter', '👍a'],
      ['a 5 KB ZWJ chain', `👍${'\u200D👍'.repeat(700)}`],
      ['NUL', '\u0000'],
    ])('refuses %s with 400 on emoji', async (_, emoji) => {
      for (const call of [put, del]) {
        const res = await call(owner, messageId, emoji);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({
          code: 'validation_failed',
          details: [expect.objectContaining({ field: 'emoji' })],
        });
      }
    });

    it.each(['%E0%A4%A', '%FF', '%', '%F0%9F%91', 'a%2Fb', '%F0%9F%91%8D%F0%9F%91%8D'])(
      'refuses percent-encoded garbage %s with a 4xx in the error shape',
      async (raw) => {
        const res = await t
          .http()
          .put(`${API}/chats/${chat.id}/messages/${messageId}/reactions/${raw}`)
          .set(owner.auth);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.body).toMatchObject({
          status: res.status,
          code: expect.any(String),
          message: expect.any(String),
        });
      },
    );
  });

  it('allows 20 different emoji per message, then 409 limit_exceeded; a present one still passes', async () => {
    const message = await send(t, owner, chat.id, 'many');
    const emoji = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗'];
    expect(emoji).toHaveLength(20);
    for (const [i, e] of emoji.entries()) await put(i % 2 ? owner : member, message.id, e).expect(200);
    const refused = await put(third, message.id, '🤔').expect(409);
    expect(refused.body).toMatchObject({ code: 'limit_exceeded', details: { limit: 20 } });
    const again = await put(third, message.id, '😀').expect(200);
    expect(again.body.reactions).toHaveLength(20);
    expect(again.body.reactions[0]).toEqual({ emoji: '😀', count: 2, me: true });
  });

  it('loses no count when people react at once, and keeps the 20-distinct limit under a race', async () => {
    const people = await Promise.all(Array.from({ length: 8 }, (_, i) => registerUser(t, `racer${i}`)));
    const raceChat = await createChat(t, owner, people);
    const message = await send(t, owner, raceChat.id, 'race');
    await Promise.all(people.map((p) => put(p, message.id, '🔥', raceChat.id).expect(200)));
    const res = await put(owner, message.id, '🔥', raceChat.id).expect(200);
    expect(res.body.reactions).toEqual([{ emoji: '🔥', count: 9, me: true }]);
    const [row] = await t.db.query('SELECT reaction_count FROM messages WHERE id = $1', [message.id]);
    expect(row.reaction_count).toBe(9);

    // 19 distinct, then 8 people each add a different new one at once: exactly one gets in.
    const other = await send(t, owner, raceChat.id, 'race 2');
    for (const e of [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂'])
      await put(owner, other.id, e, raceChat.id).expect(200);
    const news = [...'🐶🐱🐭🐹🐰🦊🐻🐼'];
    const statuses = await Promise.all(
      people.map((p, i) => put(p, other.id, news[i], raceChat.id).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(7);
  });

  it('answers 404 for an unknown, deleted or other-chat message; 403 to non-members and removed members', async () => {
    const roles = await chatWithRoles(t);
    const message = await send(t, roles.owner, roles.chat.id, 'x');
    const otherChatMessage = await send(t, owner, chat.id, 'elsewhere');
    await put(roles.member, 2_147_483_647, '👍', roles.chat.id).expect(404);
    const cross = await put(roles.member, otherChatMessage.id, '👍', roles.chat.id).expect(404);
    expect(cross.body.code).toBe('message_not_found');
    for (const user of [roles.stranger, roles.removed]) {
      expect((await put(user, message.id, '👍', roles.chat.id).expect(403)).body.code).toBe('not_a_member');
      expect((await del(user, message.id, '👍', roles.chat.id).expect(403)).body.code).toBe('not_a_member');
    }
    await t
      .http()
      .put(path(roles.chat.id, message.id, '👍'))
      .expect(401);
    await put(roles.member, message.id, '👍', roles.chat.id).expect(200);
    await t
      .http()
      .delete(`${API}/chats/${roles.chat.id}/messages/${message.id}`)
      .set(roles.owner.auth)
      .expect(204);
    await put(roles.member, message.id, '👍', roles.chat.id).expect(404);
    await del(roles.member, message.id, '👍', roles.chat.id).expect(404);
  });
});
