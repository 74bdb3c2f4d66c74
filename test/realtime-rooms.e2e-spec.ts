import { MembersAccessService } from '../src/members/members-access.service';
import type { MessageDto } from '../src/messages/dto/message.dto';
import { RealtimeServer } from '../src/realtime/realtime.server';
import { useApp } from './support/app.fixture';
import { favoritesBarrier } from './support/barrier.helpers';
import { ChatBody, createChat, makeAdmin, removeMember } from './support/chats.helpers';
import { API, MANY_REQUESTS, send } from './support/messages.helpers';
import {
  ClientSocket,
  closeSockets,
  connectAs,
  ERROR,
  EventLog,
  request,
  waitForEvent,
} from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

describe('realtime (e2e)', () => {
  const t = useApp(MANY_REQUESTS);
  afterEach(() => closeSockets());

  const barrier = favoritesBarrier(t);

  describe('room events', () => {
    let owner: TestUser;
    let member: TestUser;
    let stranger: TestUser;
    let chat: ChatBody;

    beforeEach(async () => {
      [owner, member, stranger] = await Promise.all([registerUser(t), registerUser(t), registerUser(t)]);
      chat = await createChat(t, owner, [member]);
    });

    it("reaches every socket in the chat room, the sender's own included, and no one else", async () => {
      const [senderSocket, senderOther, memberSocket, strangerSocket] = await Promise.all([
        connectAs(t, owner),
        connectAs(t, owner),
        connectAs(t, member),
        connectAs(t, stranger),
      ]);
      const strangerLog = new EventLog(strangerSocket);
      const arrivals = [senderSocket, senderOther, memberSocket].map((s) => waitForEvent(s, 'message:new'));
      const ack = await request(senderSocket, 'message:send', { chat_id: chat.id, content: 'to the room' });
      if (!ack.ok) throw new Error('send failed');
      for (const payload of await Promise.all(arrivals)) expect(payload).toEqual(ack.data);
      await barrier(stranger, strangerSocket);
      expect(strangerLog.about(chat.id)).toEqual([]);
    });

    it('emits for changes made over REST: message:new, message:updated, message:deleted, chat:read', async () => {
      const socket = await connectAs(t, member);
      const created = waitForEvent(socket, 'message:new');
      const message = await send(t, owner, chat.id, 'over rest');
      expect(await created).toEqual(message);

      const updated = waitForEvent(socket, 'message:updated');
      await t
        .http()
        .patch(`${API}/chats/${chat.id}/messages/${message.id}`)
        .set(owner.auth)
        .send({ content: 'edited over rest' })
        .expect(200);
      expect(await updated).toMatchObject({
        id: message.id,
        content: 'edited over rest',
        edited_at: expect.any(String),
      });

      const read = waitForEvent(socket, 'chat:read', 5000, (e) => e.user_id === member.id);
      await t.http().patch(`${API}/chats/${chat.id}/unread`).set(member.auth).send({}).expect(200);
      expect(await read).toEqual({
        chat_id: chat.id,
        user_id: member.id,
        last_read_seq: message.seq,
        read_at: expect.any(String),
      });

      const deleted = waitForEvent(socket, 'message:deleted');
      await t.http().delete(`${API}/chats/${chat.id}/messages/${message.id}`).set(owner.auth).expect(204);
      expect(await deleted).toEqual({ chat_id: chat.id, message_id: message.id, seq: message.seq });
    });

    it('emits socket-made edits, deletes and reads to the room as well', async () => {
      const [ownerSocket, memberSocket] = await Promise.all([connectAs(t, owner), connectAs(t, member)]);
      const sent = await request(ownerSocket, 'message:send', { chat_id: chat.id, content: 'v1' });
      if (!sent.ok) throw new Error('send failed');
      const updated = waitForEvent(memberSocket, 'message:updated');
      await request(ownerSocket, 'message:edit', {
        chat_id: chat.id,
        message_id: sent.data.id,
        content: 'v2',
      });
      expect(await updated).toMatchObject({ id: sent.data.id, content: 'v2' });
      const read = waitForEvent(ownerSocket, 'chat:read', 5000, (e) => e.user_id === member.id);
      await request(memberSocket, 'chat:read', { chat_id: chat.id, up_to_seq: sent.data.seq });
      expect(await read).toMatchObject({
        chat_id: chat.id,
        user_id: member.id,
        last_read_seq: sent.data.seq,
      });
      const deleted = waitForEvent(memberSocket, 'message:deleted');
      await request(ownerSocket, 'message:delete', { chat_id: chat.id, message_id: sent.data.id });
      expect(await deleted).toEqual({ chat_id: chat.id, message_id: sent.data.id, seq: sent.data.seq });
    });

    it('joins a member added while connected to the room at once, without a reconnect', async () => {
      const socket = await connectAs(t, stranger);
      const added = waitForEvent(socket, 'member:added');
      const updated = waitForEvent(socket, 'chat:updated');
      await t.http().post(`${API}/chats/${chat.id}/members/${stranger.id}`).set(owner.auth).expect(201);
      expect(await added).toEqual({
        chat_id: chat.id,
        member: expect.objectContaining({ user_id: stranger.id }),
      });
      expect(await updated).toMatchObject({ id: chat.id, my_role: 'member' });
      const next = waitForEvent(socket, 'message:new');
      await send(t, owner, chat.id, 'welcome');
      expect(await next).toMatchObject({ chat_id: chat.id, content: 'welcome' });
      expect(await request(socket, 'typing', { chat_id: chat.id, is_typing: false })).toEqual({
        ok: true,
        data: {},
      });
    });

    it("stops a removed member's sockets at once and tells them member:removed", async () => {
      const [removedSocket, removedOther, ownerSocket] = await Promise.all([
        connectAs(t, member),
        connectAs(t, member),
        connectAs(t, owner),
      ]);
      const log = new EventLog(removedSocket);
      const told = [removedSocket, removedOther, ownerSocket].map((s) => waitForEvent(s, 'member:removed'));
      await removeMember(t, chat.id, owner, member);
      for (const payload of await Promise.all(told))
        expect(payload).toEqual({ chat_id: chat.id, user_id: member.id });

      await send(t, owner, chat.id, 'after the removal');
      await request(ownerSocket, 'typing', { chat_id: chat.id, is_typing: true });
      await barrier(member, removedSocket);
      const afterRemoval = log.events.slice(log.events.findIndex((e) => e.name === 'member:removed') + 1);
      expect(afterRemoval.filter((e) => (e.payload as { chat_id?: number }).chat_id === chat.id)).toEqual([]);
      expect(
        await request(removedSocket, 'message:send', { chat_id: chat.id, content: 'still here?' }),
      ).toEqual({
        ok: false,
        error: { ...ERROR, status: 403, code: 'not_a_member' },
      });
    });

    it('keeps a socket that connects while its user is being removed out of the room', async () => {
      // The removal commits and empties the room between the handshake's read of the user's
      // chats and its join of their rooms.
      const access = t.app.get(MembersAccessService);
      const read = access.roomChatIds.bind(access);
      let reads = 0;
      const spy = jest.spyOn(access, 'roomChatIds').mockImplementation(async (userId) => {
        const chatIds = await read(userId);
        if (userId === member.id && ++reads === 1) await removeMember(t, chat.id, owner, member);
        return chatIds;
      });
      let socket: ClientSocket;
      try {
        socket = await connectAs(t, member);
      } finally {
        spy.mockRestore();
      }
      expect(reads).toBeGreaterThanOrEqual(1);
      const room = await t.app.get(RealtimeServer).io.in(`chat:${chat.id}`).fetchSockets();
      expect(room.map((s) => s.id)).not.toContain(socket.id);
      const log = new EventLog(socket);
      await send(t, owner, chat.id, 'after the removal');
      await barrier(member, socket);
      expect(log.named('message:new').filter((m) => (m as MessageDto).chat_id === chat.id)).toEqual([]);
    });

    it('moves a member who leaves out of the room too', async () => {
      const socket = await connectAs(t, member);
      const log = new EventLog(socket);
      const told = waitForEvent(socket, 'member:removed');
      await t.http().delete(`${API}/chats/${chat.id}/members/${member.id}`).set(member.auth).expect(204);
      await told;
      await send(t, owner, chat.id, 'after leaving');
      await barrier(member, socket);
      expect(log.named('message:new').filter((m) => (m as MessageDto).chat_id === chat.id)).toEqual([]);
    });

    it('sends chat:created to each member as they see it, with their sockets already in the room', async () => {
      const [ownerSocket, memberSocket] = await Promise.all([connectAs(t, owner), connectAs(t, member)]);
      const ownerView = waitForEvent(ownerSocket, 'chat:created');
      const memberView = waitForEvent(memberSocket, 'chat:created');
      const fresh = await createChat(t, owner, [member], { chat_type: 'vet', title: 'Рыжий кот' });
      expect(await ownerView).toMatchObject({ id: fresh.id, my_role: 'owner', title: 'Рыжий кот' });
      expect(await memberView).toMatchObject({ id: fresh.id, my_role: 'member' });
      const next = waitForEvent(memberSocket, 'message:new');
      await request(ownerSocket, 'message:send', { chat_id: fresh.id, content: 'first' });
      expect(await next).toMatchObject({ chat_id: fresh.id, content: 'first' });
    });

    it('sends chat:updated on a rename and member:updated on a role change', async () => {
      const socket = await connectAs(t, member);
      const renamed = waitForEvent(socket, 'chat:updated', 5000, (c) => c.title === 'Кошки с Лесной');
      await t
        .http()
        .patch(`${API}/chats/${chat.id}`)
        .set(owner.auth)
        .send({ title: 'Кошки с Лесной' })
        .expect(200);
      expect(await renamed).toMatchObject({ id: chat.id, my_role: 'member' });
      const promoted = waitForEvent(socket, 'member:updated');
      await makeAdmin(t, chat.id, owner, member);
      expect(await promoted).toEqual({
        chat_id: chat.id,
        member: expect.objectContaining({ user_id: member.id, role: 'admin' }),
      });
    });

    it('sends chat:deleted to every member and empties the room', async () => {
      const [ownerSocket, memberSocket] = await Promise.all([connectAs(t, owner), connectAs(t, member)]);
      const told = [ownerSocket, memberSocket].map((s) => waitForEvent(s, 'chat:deleted'));
      await t.http().delete(`${API}/chats/${chat.id}`).set(owner.auth).expect(204);
      for (const payload of await Promise.all(told)) expect(payload).toEqual({ chat_id: chat.id });
      const rooms = await t.app.get(RealtimeServer).io.in(`chat:${chat.id}`).fetchSockets();
      expect(rooms).toHaveLength(0);
    });
  });

  describe('reconnect and chat:sync', () => {
    it('returns exactly the messages missed while disconnected, in order, and pages with has_more', async () => {
      const [owner, member] = await Promise.all([registerUser(t), registerUser(t)]);
      const chat = await createChat(t, owner, [member]);
      let socket = await connectAs(t, member);
      const seen: MessageDto[] = [];
      socket.on('message:new', (m) => seen.push(m));
      const second = waitForEvent(socket, 'message:new', 5000, (m) => m.content === 'seen 2');
      await send(t, owner, chat.id, 'seen 1');
      await send(t, owner, chat.id, 'seen 2');
      await second;
      socket.disconnect();
      const lastSeq = seen[seen.length - 1].seq;

      const missed: MessageDto[] = [];
      for (let i = 1; i <= 5; i++) missed.push(await send(t, owner, chat.id, `missed ${i}`));

      socket = await connectAs(t, member);
      const page1 = await request(socket, 'chat:sync', { chat_id: chat.id, after_seq: lastSeq, limit: 3 });
      if (!page1.ok) throw new Error('sync failed');
      expect(page1.data.has_more).toBe(true);
      const page2 = await request(socket, 'chat:sync', {
        chat_id: chat.id,
        after_seq: page1.data.items[page1.data.items.length - 1].seq,
        limit: 3,
      });
      if (!page2.ok) throw new Error('sync failed');
      expect(page2.data.has_more).toBe(false);
      expect([...page1.data.items, ...page2.data.items]).toEqual(missed);
      expect(missed.map((m) => m.seq)).toEqual([
        lastSeq + 1,
        lastSeq + 2,
        lastSeq + 3,
        lastSeq + 4,
        lastSeq + 5,
      ]);
    });
  });
});
