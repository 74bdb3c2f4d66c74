import type { Socket } from 'socket.io-client';
import { httpLoad } from '../bench/lib/http-load';
import { MessageLoad } from '../bench/lib/message-load';
import { closeAll, connectAll } from '../bench/lib/sockets';
import { startApp, TestApp } from './support/app.fixture';
import { createChat } from './support/chats.helpers';
import { MANY_REQUESTS } from './support/messages.helpers';
import { registerUser, TestUser } from './support/users.helpers';

/**
 * Keeps `npm run bench` honest against the contract it drives: the generator's sends are
 * acknowledged, every member's socket gets every message once, and the read load gets the pages
 * it asks for. A few hundred milliseconds of load; the benchmark itself is not part of the tests.
 */
describe('bench harness against the service (smoke)', () => {
  let t: TestApp;
  let users: TestUser[];
  let chatId: number;
  let sockets: Socket[];

  beforeAll(async () => {
    t = await startApp(MANY_REQUESTS);
    users = await Promise.all([1, 2, 3].map(() => registerUser(t, 'bench')));
    chatId = (await createChat(t, users[0], users.slice(1))).id;
    sockets = await connectAll(
      t.origin,
      users.map((user) => user.access_token),
    );
  });

  afterAll(async () => {
    closeAll(sockets);
    await t.close();
  });

  it('delivers every generated message exactly once to each member, acked, within the drain window', async () => {
    const load = new MessageLoad(
      sockets.map((socket) => ({ socket, group: 'all' })),
      'smoke',
    );
    const members = [0, 1, 2];

    const step = await load.step([{ id: chatId, members, senders: members }], 40, 500, 5000);

    expect(load.lastError).toBeNull();
    expect(step).toMatchObject({ sent: 20, acked: 20, failed: 0, expected: 60, delivered: 60, lost: 0 });
    expect(step).toMatchObject({ duplicates: 0, misdelivered: 0 });
    expect(step.e2e.count).toBe(60);
    expect(step.ack.p50).toBeGreaterThan(0);
    expect(step.e2e.max).toBeGreaterThanOrEqual(step.e2e.p99);
  });

  it('counts a member whose socket is gone as lost, not delivered', async () => {
    const [gone] = await connectAll(t.origin, [users[2].access_token]);
    const load = new MessageLoad(
      [...sockets.slice(0, 2), gone].map((socket) => ({ socket, group: 'all' })),
      'smoke-gone',
    );
    gone.disconnect();

    const step = await load.step([{ id: chatId, members: [0, 1, 2], senders: [0, 1] }], 20, 200, 1000);

    expect(step).toMatchObject({ sent: 4, acked: 4, expected: 12, delivered: 8, lost: 4 });
  });

  it('reads pages through the open-loop HTTP load', async () => {
    const result = await httpLoad({
      origin: t.origin,
      rate: 50,
      durationMs: 200,
      path: () => `/api/v1/chats/${chatId}/messages?limit=5`,
      headers: users[0].auth,
      check: (body) => (JSON.parse(body) as { items: unknown[] }).items.length === 5,
    });

    expect(result).toMatchObject({ sent: 10, errors: 0, firstError: null });
    expect(result.latency.count).toBe(10);
  });
});
