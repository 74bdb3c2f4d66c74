import { useApp } from './support/app.fixture';
import { createChat, makeAdmin, type ChatBody } from './support/chats.helpers';
import { API, chatWithRoles, MANY_REQUESTS, send, type MessageBody } from './support/messages.helpers';
import { closeSockets, connectAs, EventLog, request, waitForEvent } from './support/sockets.helpers';
import { registerUser, type TestUser } from './support/users.helpers';

describe('pins (e2e)', () => {
  const t = useApp(MANY_REQUESTS);
  afterEach(() => closeSockets());

  const pin = (user: TestUser, chatId: number, messageId: number) =>
    t.http().put(`${API}/chats/${chatId}/pins/${messageId}`).set(user.auth);
  const unpin = (user: TestUser, chatId: number, messageId: number) =>
    t.http().delete(`${API}/chats/${chatId}/pins/${messageId}`).set(user.auth);
  const pinsOf = async (user: TestUser, chatId: number): Promise<MessageBody[]> =>
    (await t.http().get(`${API}/chats/${chatId}/pins`).set(user.auth).expect(200)).body
      .items as MessageBody[];

  it('lists pinned messages newest pin first, as full Messages; twice is one pin; unpin; a deleted message leaves', async () => {
    const [owner, member] = [await registerUser(t, 'owner'), await registerUser(t, 'member')];
    const chat = await createChat(t, owner, [member, await registerUser(t, 'third')]);
    const [a, b, c] = [
      await send(t, owner, chat.id, 'a'),
      await send(t, member, chat.id, 'b'),
      await send(t, owner, chat.id, 'c'),
    ];
    expect(await pinsOf(member, chat.id)).toEqual([]);
    await pin(owner, chat.id, b.id).expect(204);
    await pin(owner, chat.id, a.id).expect(204);
    await pin(owner, chat.id, c.id).expect(204);
    await pin(owner, chat.id, a.id).expect(204);
    const pinned = await pinsOf(member, chat.id);
    expect(pinned.map((m) => m.content)).toEqual(['c', 'a', 'b']);
    expect(pinned[0]).toEqual({ ...c, reactions: [] });

    await unpin(owner, chat.id, a.id).expect(204);
    const notPinned = await unpin(owner, chat.id, a.id).expect(404);
    expect(notPinned.body).toMatchObject({ status: 404, code: 'not_found' });
    await t.http().delete(`${API}/chats/${chat.id}/messages/${c.id}`).set(owner.auth).expect(204);
    expect((await pinsOf(member, chat.id)).map((m) => m.content)).toEqual(['b']);
    await unpin(owner, chat.id, c.id).expect(404);
    expect((await pin(owner, chat.id, c.id).expect(404)).body.code).toBe('message_not_found');
    // A message of another chat is not found here.
    const elsewhere = await createChat(t, owner, [member], { chat_type: 'vet' });
    const foreign = await send(t, owner, elsewhere.id, 'foreign');
    await pin(owner, chat.id, foreign.id).expect(404);
    await pin(owner, chat.id, 2_147_483_647).expect(404);
  });

  it('lets the owner and admins pin in a group, not plain members; anyone of a two-person chat', async () => {
    const roles = await chatWithRoles(t);
    const message = await send(t, roles.owner, roles.chat.id, 'trap schedule');
    for (const user of [roles.member]) {
      expect((await pin(user, roles.chat.id, message.id).expect(403)).body.code).toBe('forbidden');
    }
    for (const user of [roles.stranger, roles.removed]) {
      expect((await pin(user, roles.chat.id, message.id).expect(403)).body.code).toBe('not_a_member');
      expect(
        (await t.http().get(`${API}/chats/${roles.chat.id}/pins`).set(user.auth).expect(403)).body.code,
      ).toBe('not_a_member');
    }
    await pin(roles.admin, roles.chat.id, message.id).expect(204);
    expect((await unpin(roles.member, roles.chat.id, message.id).expect(403)).body.code).toBe('forbidden');
    await unpin(roles.owner, roles.chat.id, message.id).expect(204);
    await t.http().get(`${API}/chats/${roles.chat.id}/pins`).expect(401);

    const [x, y] = [await registerUser(t, 'x'), await registerUser(t, 'y')];
    const pair = await createChat(t, x, [y]);
    const note = await send(t, x, pair.id, 'address');
    await pin(y, pair.id, note.id).expect(204);
    await unpin(y, pair.id, note.id).expect(204);
  });

  it('allows 50 pins per chat, then 409 limit_exceeded; pinning a pinned one still passes', async () => {
    const [owner, member] = [await registerUser(t, 'owner'), await registerUser(t, 'member')];
    const chat = await createChat(t, owner, [member]);
    await t.db.query(
      `WITH m AS (
         INSERT INTO messages (chat_id, seq, sender_id, sender_name, content)
         SELECT $1, s, $2, 'owner', 'pin ' || s FROM generate_series(1, 52) s RETURNING id, seq
       ), c AS (UPDATE chats SET last_seq = 52 WHERE id = $1)
       INSERT INTO message_pins (message_id, chat_id, pinned_by) SELECT id, $1, $2 FROM m WHERE seq <= 49`,
      [chat.id, owner.id],
    );
    const ids: { id: number; seq: number }[] = await t.db.query(
      'SELECT id, seq FROM messages WHERE chat_id = $1 ORDER BY seq',
      [chat.id],
    );
    // Two at once for the 50th place: one gets it.
    const statuses = await Promise.all(
      [50, 51].map((seq) => pin(owner, chat.id, ids[seq - 1].id).then((r) => r.status)),
    );
    expect(statuses.sort()).toEqual([204, 409]);
    const refused = await pin(owner, chat.id, ids[51].id).expect(409);
    expect(refused.body).toMatchObject({ code: 'limit_exceeded', details: { limit: 50 } });
    await pin(owner, chat.id, ids[0].id).expect(204);
    expect(await pinsOf(member, chat.id)).toHaveLength(50);
    // A deleted message frees its place.
    await t.http().delete(`${API}/chats/${chat.id}/messages/${ids[0].id}`).set(owner.auth).expect(204);
    await pin(owner, chat.id, ids[51].id).expect(204);
  });

  it('tells the room message:pinned / message:unpinned, not outsiders; chat:pin over the socket', async () => {
    const [owner, admin, member, outsider] = await Promise.all(
      ['owner', 'admin', 'member', 'outsider'].map((n) => registerUser(t, n)),
    );
    const chat: ChatBody = await createChat(t, owner, [admin, member]);
    await makeAdmin(t, chat.id, owner, admin);
    const message = await send(t, owner, chat.id, 'pin me');
    const [memberSocket, adminSocket, outsiderSocket] = await Promise.all(
      [member, admin, outsider].map((u) => connectAs(t, u)),
    );
    const outside = new EventLog(outsiderSocket);

    const pinned = waitForEvent(memberSocket, 'message:pinned');
    expect(
      await request(adminSocket, 'chat:pin', { chat_id: chat.id, message_id: message.id, pinned: true }),
    ).toEqual({ ok: true, data: {} });
    expect(await pinned).toEqual({ chat_id: chat.id, message_id: message.id, user_id: admin.id });

    // Twice is one pin: no second event.
    const log = new EventLog(memberSocket);
    await pin(owner, chat.id, message.id).expect(204);
    const unpinned = waitForEvent(memberSocket, 'message:unpinned');
    await unpin(owner, chat.id, message.id).expect(204);
    expect(await unpinned).toEqual({ chat_id: chat.id, message_id: message.id, user_id: owner.id });
    expect(log.named('message:pinned')).toEqual([]);

    const refused = await request(memberSocket, 'chat:pin', {
      chat_id: chat.id,
      message_id: message.id,
      pinned: true,
    });
    expect(refused).toEqual({
      ok: false,
      error: expect.objectContaining({ status: 403, code: 'forbidden' }),
    });
    const notPinned = await request(adminSocket, 'chat:pin', {
      chat_id: chat.id,
      message_id: message.id,
      pinned: false,
    });
    expect(notPinned).toEqual({
      ok: false,
      error: expect.objectContaining({ status: 404, code: 'not_found' }),
    });
    expect(outside.about(chat.id)).toEqual([]);
  });
});
