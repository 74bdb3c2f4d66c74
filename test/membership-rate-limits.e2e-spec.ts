import { startApp, TestApp } from './support/app.fixture';
import { createChat } from './support/chats.helpers';
import { expectErrorShape } from './support/errors.helpers';
import { API } from './support/messages.helpers';
import { registerUser, TestUser } from './support/users.helpers';

/**
 * Issue 15 item 6: creating chats and adding people are rate limited per user
 * (CHAT_CREATE_RATE_LIMIT, MEMBER_ADD_RATE_LIMIT), with the contract's 429 rate_limited.
 */
describe('per-user rate limits of chat creation and member additions (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Two chats, and five people added, per hour (a token bucket: all at once, then slowly).
    t = await startApp({ CHAT_CREATE_RATE_LIMIT: '2,3600', MEMBER_ADD_RATE_LIMIT: '5,3600' });
  });
  afterAll(() => t.close());

  let users: TestUser[];
  beforeEach(async () => {
    users = await Promise.all(Array.from({ length: 8 }, () => registerUser(t)));
  });

  function expectRateLimited(res: { status: number; body: unknown; headers: Record<string, string> }): void {
    expectErrorShape(res.body, 429, 'rate_limited');
    const retryAfterMs = (res.body as { details: { retry_after_ms: number } }).details.retry_after_ms;
    // One chat per 1800 s comes back: the wait is about that long.
    expect(retryAfterMs).toBeGreaterThan(60_000);
    expect(Number(res.headers['retry-after'])).toBe(Math.ceil(retryAfterMs / 1000));
  }

  it('refuses the chat past CHAT_CREATE_RATE_LIMIT with 429 rate_limited, per user', async () => {
    const [me, x, y, z, other] = users;
    await createChat(t, me, [x]);
    await createChat(t, me, []);
    const res = await t
      .http()
      .post(`${API}/chats`)
      .set(me.auth)
      .send({ member_ids: [y.id] });
    expectRateLimited(res);
    // Nothing was created.
    const mine = await t.http().get(`${API}/chats`).set(me.auth).expect(200);
    expect((mine.body as { items: unknown[] }).items).toHaveLength(2);
    // Another user has a budget of their own.
    await createChat(t, other, [z]);
  });

  it('does not charge for a refused creation: 409 chat_exists (how clients find their chat) costs nothing', async () => {
    const [me, x] = users;
    await createChat(t, me, [x]);
    for (let i = 0; i < 5; i++) {
      const res = await t
        .http()
        .post(`${API}/chats`)
        .set(me.auth)
        .send({ member_ids: [x.id] });
      expect(res.status).toBe(409);
    }
    await createChat(t, me, [x], { chat_type: 'vet' });
  });

  it('charges member additions and the other members of a created chat to MEMBER_ADD_RATE_LIMIT', async () => {
    const [me, a, b, c, d, e, f] = users;
    const chat = await createChat(t, me, [a, b, c]);
    await t.http().post(`${API}/chats/${chat.id}/members/${d.id}`).set(me.auth).expect(201);
    await t.http().post(`${API}/chats/${chat.id}/members/${e.id}`).set(me.auth).expect(201);
    // Five people added: the sixth waits, and so does a chat with someone in it.
    expectRateLimited(await t.http().post(`${API}/chats/${chat.id}/members/${f.id}`).set(me.auth));
    expectRateLimited(
      await t
        .http()
        .post(`${API}/chats`)
        .set(me.auth)
        .send({ member_ids: [f.id] }),
    );
    const members = await t.http().get(`${API}/chats/${chat.id}/members`).set(me.auth).expect(200);
    expect((members.body as { items: unknown[] }).items).toHaveLength(6);
    // Favorites (nobody else in it) adds no one; another admin has their own budget.
    await createChat(t, me, []);
    await t
      .http()
      .patch(`${API}/chats/${chat.id}/members/${a.id}`)
      .set(me.auth)
      .send({ role: 'admin' })
      .expect(200);
    await t.http().post(`${API}/chats/${chat.id}/members/${f.id}`).set(a.auth).expect(201);
  });
});
