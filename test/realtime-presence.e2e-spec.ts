import { OFFLINE_DELAY_MS } from '../src/realtime/presence.service';
import { TYPING_EXPIRY_MS } from '../src/realtime/typing.service';
import { useApp } from './support/app.fixture';
import { favoritesBarrier } from './support/barrier.helpers';
import { ChatBody, createChat } from './support/chats.helpers';
import { MANY_REQUESTS } from './support/messages.helpers';
import { closeSockets, connectAs, EventLog, request, waitForEvent } from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

describe('realtime (e2e)', () => {
  const t = useApp(MANY_REQUESTS);
  afterEach(() => closeSockets());

  const barrier = favoritesBarrier(t);

  describe('typing', () => {
    let owner: TestUser;
    let member: TestUser;
    let chat: ChatBody;
    beforeEach(async () => {
      [owner, member] = await Promise.all([registerUser(t), registerUser(t)]);
      chat = await createChat(t, owner, [member]);
    });

    it("reaches the chat room except the typist's own sockets", async () => {
      const [typist, typistOther, other] = await Promise.all([
        connectAs(t, owner),
        connectAs(t, owner),
        connectAs(t, member),
      ]);
      const typistLog = new EventLog(typistOther);
      const seen = waitForEvent(other, 'typing');
      expect(await request(typist, 'typing', { chat_id: chat.id, is_typing: true })).toEqual({
        ok: true,
        data: {},
      });
      expect(await seen).toEqual({ chat_id: chat.id, user_id: owner.id, is_typing: true });
      const stopped = waitForEvent(other, 'typing');
      await request(typist, 'typing', { chat_id: chat.id, is_typing: false });
      expect(await stopped).toEqual({ chat_id: chat.id, user_id: owner.id, is_typing: false });
      await barrier(owner, typistOther);
      expect(typistLog.named('typing')).toEqual([]);
    });

    it('sends is_typing: false by itself 5 s after the last is_typing: true', async () => {
      const [typist, other] = await Promise.all([connectAs(t, owner), connectAs(t, member)]);
      const started = waitForEvent(other, 'typing', 5000, (e) => e.is_typing);
      await request(typist, 'typing', { chat_id: chat.id, is_typing: true });
      await started;
      const since = Date.now();
      const expired = await waitForEvent(other, 'typing', TYPING_EXPIRY_MS + 3000);
      expect(expired).toEqual({ chat_id: chat.id, user_id: owner.id, is_typing: false });
      expect(Date.now() - since).toBeGreaterThanOrEqual(TYPING_EXPIRY_MS - 500);
    }, 20_000);

    it("sends is_typing: false when the typist's socket disconnects", async () => {
      const [typist, other] = await Promise.all([connectAs(t, owner), connectAs(t, member)]);
      const started = waitForEvent(other, 'typing', 5000, (e) => e.is_typing);
      await request(typist, 'typing', { chat_id: chat.id, is_typing: true });
      await started;
      const stopped = waitForEvent(other, 'typing', 2000);
      typist.disconnect();
      expect(await stopped).toEqual({ chat_id: chat.id, user_id: owner.id, is_typing: false });
    });
  });

  describe('presence', () => {
    it('announces the first connect and, a moment after, the last disconnect to those who share a chat', async () => {
      const [watcher, user, outsider] = await Promise.all([
        registerUser(t),
        registerUser(t),
        registerUser(t),
      ]);
      await createChat(t, watcher, [user]);
      const [watcherSocket, outsiderSocket] = await Promise.all([
        connectAs(t, watcher),
        connectAs(t, outsider),
      ]);
      const outsiderLog = new EventLog(outsiderSocket);
      const watcherLog = new EventLog(watcherSocket);

      const online = waitForEvent(watcherSocket, 'presence', 5000, (e) => e.user_id === user.id);
      const first = await connectAs(t, user);
      expect(await online).toEqual({ user_id: user.id, online: true, last_seen_at: expect.any(String) });

      // A second socket, and a quick reconnect of the first: no flicker.
      const second = await connectAs(t, user);
      first.disconnect();
      second.disconnect();
      const blink = Date.now();
      await connectAs(t, user).then((again) => again.disconnect());
      const offline = await waitForEvent(
        watcherSocket,
        'presence',
        OFFLINE_DELAY_MS + 3000,
        (e) => !e.online,
      );
      expect(offline).toEqual({ user_id: user.id, online: false, last_seen_at: expect.any(String) });
      expect(Date.parse(offline.last_seen_at)).toBeGreaterThanOrEqual(blink - 1000);
      expect(watcherLog.named('presence')).toEqual([
        { user_id: user.id, online: true, last_seen_at: expect.any(String) },
        offline,
      ]);
      await barrier(outsider, outsiderSocket);
      expect(outsiderLog.named('presence')).toEqual([]);
    });
  });
});
