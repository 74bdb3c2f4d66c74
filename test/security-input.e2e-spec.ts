import { startApp, TestApp } from './support/app.fixture';
import { createChat } from './support/chats.helpers';
import { expectErrorShape } from './support/errors.helpers';
import { API, MANY_REQUESTS, send } from './support/messages.helpers';
import { closeSockets, connectAs, request as ask } from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

describe('hostile input (e2e)', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  let chatId: number;

  beforeAll(async () => {
    t = await startApp(MANY_REQUESTS);
    [alice, bob] = await Promise.all([registerUser(t, 'alice'), registerUser(t, 'bob')]);
    chatId = (await createChat(t, alice, [bob])).id;
  });
  afterEach(() => closeSockets());
  afterAll(() => t.close());

  describe('malformed bodies', () => {
    const postRaw = (raw: string, type = 'application/json') =>
      t.http().post(`${API}/chats/${chatId}/messages`).set(alice.auth).set('Content-Type', type).send(raw);
    const routes = (): [string, string][] => [
      ['POST', `${API}/auth/register`],
      ['POST', `${API}/auth/login`],
      ['POST', `${API}/chats`],
      ['POST', `${API}/chats/${chatId}/messages`],
      ['PATCH', `${API}/chats/${chatId}`],
    ];

    it.each(['{"content": ', '{content: "x"}', "{'content': 'x'}", '{"content": "x",}', '\u0000'])(
      'answers the broken JSON %p with 400 bad_request on every body route',
      async (raw) => {
        for (const [method, path] of routes()) {
          const res = await t
            .http()
            [method === 'POST' ? 'post' : 'patch'](path)
            .set(alice.auth)
            .set('Content-Type', 'application/json')
            .send(raw);
          expect({ path, status: res.status }).toEqual({ path, status: 400 });
          expectErrorShape(res.body, 400, 'bad_request');
        }
      },
    );

    it.each(['[]', '"text"', '42', 'null', '[{"content": "x"}]'])(
      'answers the JSON %s (not an object) with 400',
      async (raw) => {
        const res = await postRaw(raw);
        expect(res.status).toBe(400);
        expectErrorShape(res.body, 400);
      },
    );

    it('lets no __proto__ or constructor key through to an object (dropped, never merged)', async () => {
      for (const raw of [
        '{"content": "proto", "__proto__": {"admin": true}}',
        '{"content": "ctor", "constructor": {"prototype": {"admin": true}}}',
      ]) {
        const res = await postRaw(raw);
        expect([201, 400]).toContain(res.status);
        if (res.status === 201) expect(Object.keys(res.body as object)).not.toContain('admin');
      }
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });

    it('refuses a body that is not JSON (text/plain, form) as invalid input, not as a crash', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const res = await postRaw('content=x', type);
        expect(res.status).toBe(400);
        expectErrorShape(res.body, 400, 'validation_failed');
      }
    });
  });

  describe('oversized payloads', () => {
    it('answers a JSON body over 64 KB with 413 payload_too_large on any route, before authentication', async () => {
      const big = { content: 'x'.repeat(70 * 1024) };
      for (const [path, auth] of [
        [`${API}/chats/${chatId}/messages`, alice.auth],
        [`${API}/auth/register`, {}],
        [`${API}/chats/${chatId}/messages`, {}],
      ] as const) {
        const res = await t.http().post(path).set(auth).send(big).expect(413);
        expectErrorShape(res.body, 413, 'payload_too_large');
      }
    });

    it('refuses a message of 4001 characters with 400 naming content, and takes one of 4000', async () => {
      const res = await t
        .http()
        .post(`${API}/chats/${chatId}/messages`)
        .set(alice.auth)
        .send({ content: 'я'.repeat(4001) });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'content' })]),
      );
      await t
        .http()
        .post(`${API}/chats/${chatId}/messages`)
        .set(alice.auth)
        .send({ content: 'я'.repeat(4000) })
        .expect(201);
    });

    it('drops a socket whose packet is over the limit, and keeps serving others', async () => {
      const socket = await connectAs(t, alice);
      const dropped = new Promise<string>((resolve) => socket.once('disconnect', resolve));
      socket.emit('message:send', { chat_id: chatId, content: 'x'.repeat(200 * 1024) }, () => undefined);
      expect(await dropped).toBe('transport close');
      const other = await connectAs(t, bob);
      expect((await ask(other, 'message:send', { chat_id: chatId, content: 'still here' })).ok).toBe(true);
    });
  });

  describe('content that looks like code is data', () => {
    const verbatim = [
      "'; DROP TABLE messages; --",
      "Robert'); DELETE FROM users WHERE ('1'='1",
      '1 OR 1=1; SELECT * FROM refresh_tokens',
      '<script>alert(document.cookie)</script>',
      '<img src=x onerror="alert(1)"> &amp; &lt;b&gt;',
      '{{constructor.constructor("return process")()}} ${process.env.JWT_SECRET}',
      '%_\\ LIKE wildcards and a backslash \\',
      'Кошка 🐈‍⬛ «у подъезда» — نجاة 猫',
    ];

    it.each(verbatim)('stores and returns %p verbatim over REST and sockets', async (text) => {
      const sent = await send(t, alice, chatId, text);
      expect(sent.content).toBe(text);
      const res = await t
        .http()
        .get(`${API}/chats/${chatId}/messages`)
        .query({ limit: 1 })
        .set(bob.auth)
        .expect(200);
      expect((res.body as { items: { id: number; content: string }[] }).items[0]).toMatchObject({
        id: sent.id,
        content: text,
      });
      const socket = await connectAs(t, bob);
      const ack = await ask(socket, 'message:send', { chat_id: chatId, content: text });
      expect(ack).toEqual({ ok: true, data: expect.objectContaining({ content: text }) });
    });

    it('keeps HTML and SQL in display names and titles as they were typed', async () => {
      const name = '<b>Оля</b> "; DROP TABLE users; --';
      const user = await registerUser(t, 'html', name);
      expect(user.display_name).toBe(name);
      const chat = await createChat(t, user, [alice], { title: "<script>x</script>' OR '1'='1" });
      expect(chat.title).toBe("<script>x</script>' OR '1'='1");
      const res = await t.http().get(`${API}/chats/${chat.id}`).set(alice.auth).expect(200);
      expect(res.body.title).toBe("<script>x</script>' OR '1'='1");
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    });

    it('treats % and _ in searches as plain characters, and SQL in them as words', async () => {
      for (const search of ['%', '_', "' OR '1'='1"]) {
        const res = await t.http().get(`${API}/users`).query({ search }).set(alice.auth).expect(200);
        for (const user of (res.body as { items: { username: string; display_name: string }[] }).items) {
          expect(`${user.username} ${user.display_name}`).toContain(search);
        }
        const found = await t
          .http()
          .get(`${API}/chats/${chatId}/messages`)
          .query({ query: search })
          .set(alice.auth);
        expect(found.status).toBe(200);
        for (const message of (found.body as { items: { content: string }[] }).items) {
          expect(message.content.toLowerCase()).toContain(search.toLowerCase());
        }
      }
    });

    it('refuses a NUL character (PostgreSQL text cannot hold it) with 400, not 500', async () => {
      const res = await t
        .http()
        .post(`${API}/chats/${chatId}/messages`)
        .set(alice.auth)
        .send({ content: 'a\u0000b' });
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 400, 'validation_failed');
    });
  });

  describe('ids out of range', () => {
    const BAD = [
      '0',
      '-1',
      '2147483648',
      '99999999999999999999',
      '1.5',
      '1e3',
      '0x10',
      'abc',
      '%20',
      '1;DROP',
    ];

    it.each(BAD)('answers the path id %p with 400 on every chat route', async (bad) => {
      for (const path of [
        `${API}/chats/${bad}`,
        `${API}/chats/${bad}/members`,
        `${API}/chats/${bad}/messages`,
        `${API}/chats/${chatId}/messages/${bad}/reads`,
        `${API}/chats/${chatId}/members/${bad}`,
      ]) {
        const method = path.endsWith(`/members/${bad}`) ? 'delete' : 'get';
        const res = await t.http()[method](path).set(alice.auth);
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
        expectErrorShape(res.body, 400, 'validation_failed');
      }
    });

    it('answers the largest id that does not exist with 404', async () => {
      const res = await t.http().get(`${API}/chats/2147483647`).set(alice.auth).expect(404);
      expectErrorShape(res.body, 404);
    });

    it.each([2147483648, -1, 0, 1.5, '7', null])('refuses the body id %p with 400', async (bad) => {
      const res = await t
        .http()
        .post(`${API}/chats`)
        .set(alice.auth)
        .send({ member_ids: [bad] });
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 400, 'validation_failed');
    });

    it.each([2147483648, -1, 0, 1.5, '7', null])(
      'refuses the socket chat_id %p with a 400 ack',
      async (bad) => {
        const socket = await connectAs(t, alice);
        const ack = await ask(socket, 'message:send', { chat_id: bad, content: 'x' });
        expect(ack).toEqual({
          ok: false,
          error: expect.objectContaining({ status: 400, code: 'validation_failed' }),
        });
      },
    );

    it.each(['0', '101', 'abc', '-5', '1e2', ''])('answers the limit %p with 400', async (limit) => {
      const res = await t.http().get(`${API}/chats/${chatId}/messages`).query({ limit }).set(alice.auth);
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 400, 'validation_failed');
    });
  });

  describe('unknown routes', () => {
    it.each([`${API}/nothing-here`, `${API}/chats/1/unknown`, '/api/v2/chats', '/.env', '/admin'])(
      'answers %s with 404 in the error shape, for anyone',
      async (path) => {
        for (const auth of [{}, alice.auth]) {
          const res = await t.http().get(path).set(auth).expect(404);
          expectErrorShape(res.body, 404, 'not_found');
        }
      },
    );
  });
});
