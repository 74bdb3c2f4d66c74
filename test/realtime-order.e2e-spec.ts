import { DomainEventBus } from '../src/events/domain-events.bus';
import { startApp, TestApp } from './support/app.fixture';
import { createChat } from './support/chats.helpers';
import { MANY_REQUESTS, send } from './support/messages.helpers';
import { closeSockets, connectAs, EventLog, waitForEvent } from './support/sockets.helpers';
import { registerUser } from './support/users.helpers';

/**
 * chat:created and chat:updated are built after the commit, from a read; the events published
 * after one of them must still reach the sockets after it.
 */
describe('realtime event order (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp(MANY_REQUESTS);
  });
  afterEach(() => closeSockets());
  afterAll(() => t.close());

  it('delivers events in the order they were published, within a chat and across chats', async () => {
    const [owner, member] = [await registerUser(t, 'order'), await registerUser(t, 'order')];
    const chat = await createChat(t, owner, [member]);
    const other = await createChat(t, owner, []);
    const message = await send(t, owner, chat.id, 'первое');
    const elsewhere = await send(t, owner, other.id, 'второе');
    const socket = await connectAs(t, owner);
    const log = new EventLog(socket);
    const last = waitForEvent(socket, 'message:new', 5000, (m) => m.id === elsewhere.id);

    const bus = t.app.get(DomainEventBus);
    // Published back to back, as a service does: without awaiting the first.
    const published = [
      bus.publish({ type: 'chat.updated', chatId: chat.id }),
      bus.publish({ type: 'message.created', chatId: chat.id, message }),
      bus.publish({ type: 'chat.updated', chatId: other.id }),
      bus.publish({ type: 'message.created', chatId: other.id, message: elsewhere }),
    ];
    await Promise.all(published);
    await last;

    expect(log.events.map(({ name, payload }) => [name, (payload as { id: number }).id])).toEqual([
      ['chat:updated', chat.id],
      ['message:new', message.id],
      ['chat:updated', other.id],
      ['message:new', elsewhere.id],
    ]);
  });

  it('sends a new member member:added, then the chat, then the next message', async () => {
    const [owner, member, joiner] = [
      await registerUser(t, 'order'),
      await registerUser(t, 'order'),
      await registerUser(t, 'order'),
    ];
    const chat = await createChat(t, owner, [member]);
    const socket = await connectAs(t, owner);
    const joinerSocket = await connectAs(t, joiner);
    const log = new EventLog(socket);
    const joinerLog = new EventLog(joinerSocket);

    const welcome = (m: { content: string }): boolean => m.content === 'добро пожаловать';
    const arrived = Promise.all([
      waitForEvent(socket, 'message:new', 5000, welcome),
      waitForEvent(joinerSocket, 'message:new', 5000, welcome),
    ]);

    await t.http().post(`/api/v1/chats/${chat.id}/members/${joiner.id}`).set(owner.auth).expect(201);
    await send(t, owner, chat.id, 'добро пожаловать');
    await arrived;

    expect(log.about(chat.id)).toEqual(['member:added', 'chat:updated', 'message:new']);
    expect(joinerLog.about(chat.id)).toEqual(['member:added', 'chat:updated', 'message:new']);
    const [view] = joinerLog.named('chat:updated') as { id: number; my_role: string; members: unknown[] }[];
    expect(view).toMatchObject({ id: chat.id, my_role: 'member' });
    expect(view.members).toHaveLength(3);
  });
});
