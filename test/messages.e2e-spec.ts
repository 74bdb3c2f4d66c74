import { startApp, TestApp } from './support/app';
import { createChat, Roles } from './support/chats';
import {
  API,
  BAD_IDS,
  chatWithRoles,
  MANY_REQUESTS,
  MessageBody,
  postMessage,
  recordEvents,
  send,
} from './support/messages';
import { registerUser, TestUser } from './support/users';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('messages (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp(MANY_REQUESTS);
  });
  afterAll(() => t.close());

  const messagesOf = (user: TestUser, chatId: number, query: Record<string, string | number> = {}) =>
    t.http().get(`${API}/chats/${chatId}/messages`).query(query).set(user.auth);

  const seqsOf = async (user: TestUser, chatId: number, query: Record<string, string | number> = {}) => {
    const res = await messagesOf(user, chatId, query).expect(200);
    return {
      seqs: (res.body.items as MessageBody[]).map((m) => m.seq),
      has_more: res.body.has_more as boolean,
    };
  };

  const expectValidation = (body: { status: number; code: string; details: unknown }, field: string) => {
    expect(body).toEqual({
      status: 400,
      code: 'validation_failed',
      message: expect.any(String),
      details: expect.arrayContaining([expect.objectContaining({ field })]),
    });
  };

  describe('POST /chats/:chat_id/messages', () => {
    let r: Roles;
    beforeAll(async () => {
      r = await chatWithRoles(t);
    });

    it('sends: 201, the whole Message, trimmed content, sender_name from display_name', async () => {
      const sender = await registerUser(t, 'vet', 'Ветеринар Оля');
      const chat = await createChat(t, sender, [r.member]);
      const res = await postMessage(t, sender, chat.id, { content: '  Кот у подъезда\n ' }).expect(201);
      expect(res.body).toEqual({
        id: expect.any(Number),
        chat_id: chat.id,
        seq: 1,
        sender_id: sender.id,
        sender_name: 'Ветеринар Оля',
        content: 'Кот у подъезда',
        client_message_id: null,
        created_at: expect.stringMatching(ISO),
        edited_at: null,
      });
      const second = await send(t, r.member, chat.id, 'второе');
      expect(second.seq).toBe(2);
    });

    it.each([
      ['the owner', 'owner'],
      ['an admin', 'admin'],
      ['a plain member', 'member'],
    ] as const)('lets %s send', async (_, role) => {
      const res = await postMessage(t, r[role], r.chat.id, { content: `from ${role}` }).expect(201);
      expect(res.body.sender_id).toBe(r[role].id);
    });

    it('answers 401 without a token, 403 to a stranger and to a removed member', async () => {
      expect((await postMessage(t, undefined, r.chat.id, { content: 'x' }).expect(401)).body.code).toBe(
        'unauthorized',
      );
      for (const user of [r.stranger, r.removed]) {
        const res = await postMessage(t, user, r.chat.id, { content: 'x' }).expect(403);
        expect(res.body).toEqual({ status: 403, code: 'not_a_member', message: expect.any(String) });
      }
      const count = await t.db.query(
        `SELECT count(*)::int AS n FROM messages WHERE chat_id = $1 AND content = 'x'`,
        [r.chat.id],
      );
      expect(count[0].n).toBe(0);
    });

    it('answers 404 for a chat that does not exist', async () => {
      const res = await postMessage(t, r.owner, 2_000_000_000, { content: 'x' }).expect(404);
      expect(res.body.code).toBe('chat_not_found');
    });

    it.each([
      ['empty content', { content: '' }, 'content'],
      ['whitespace-only content', { content: ' \n\t ' }, 'content'],
      ['4001 characters', { content: 'я'.repeat(4001) }, 'content'],
      [
        '4001 code points that class-validator would count as fewer',
        { content: '❤️'.repeat(2001) },
        'content',
      ],
      ['a NUL character', { content: 'a\u0000b' }, 'content'],
      ['non-string content', { content: 42 }, 'content'],
      ['missing content', {}, 'content'],
      ['an empty client_message_id', { content: 'x', client_message_id: '' }, 'client_message_id'],
      [
        'a 65-character client_message_id',
        { content: 'x', client_message_id: 'c'.repeat(65) },
        'client_message_id',
      ],
      ['a numeric client_message_id', { content: 'x', client_message_id: 7 }, 'client_message_id'],
      ['an unknown field', { content: 'x', sender_id: 1 }, 'sender_id'],
    ])('rejects %s with 400', async (_, body, field) => {
      const res = await postMessage(t, r.member, r.chat.id, body).expect(400);
      expectValidation(res.body, field);
    });

    it('accepts exactly 4000 characters, emoji counted as one each', async () => {
      for (const content of ['я'.repeat(4000), '😀'.repeat(4000)]) {
        const res = await postMessage(t, r.member, r.chat.id, { content }).expect(201);
        expect(res.body.content).toBe(content);
      }
    });

    it.each(BAD_IDS)('rejects chat_id %s with 400', async (id) => {
      const res = await postMessage(t, r.member, id, { content: 'x' }).expect(400);
      expectValidation(res.body, 'chat_id');
    });

    it('publishes message.created after the message is stored', async () => {
      const recorder = recordEvents(t);
      try {
        const message = await send(t, r.member, r.chat.id, 'событие');
        expect(recorder.events).toEqual([{ type: 'message.created', chatId: r.chat.id, message }]);
      } finally {
        recorder.stop();
      }
    });
  });

  describe('idempotent send (client_message_id)', () => {
    it('answers a repeat with 200 and the original, without a new message, seq or event', async () => {
      const { chat, owner, member } = await chatWithRoles(t);
      const first = await postMessage(t, member, chat.id, {
        content: 'первое',
        client_message_id: 'k-1',
      }).expect(201);
      const recorder = recordEvents(t);
      try {
        const again = await postMessage(t, member, chat.id, {
          content: 'другое',
          client_message_id: 'k-1',
        }).expect(200);
        expect(again.body).toEqual(first.body);
        expect(recorder.events).toEqual([]);
      } finally {
        recorder.stop();
      }
      // The key is per sender and per chat; the seq the repeat did not take is the next one's.
      const other = await postMessage(t, owner, chat.id, { content: 'x', client_message_id: 'k-1' }).expect(
        201,
      );
      expect(other.body.seq).toBe(2);
      const elsewhere = await createChat(t, member, [owner], { chat_type: 'keeper' });
      await postMessage(t, member, elsewhere.id, { content: 'x', client_message_id: 'k-1' }).expect(201);
    });

    it('stores one message when ten identical sends race: one 201, nine 200 with its id', async () => {
      const { chat, member } = await chatWithRoles(t);
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          postMessage(t, member, chat.id, { content: 'гонка', client_message_id: 'race-1' }),
        ),
      );
      const statuses = results.map((res) => res.status).sort();
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
      const ids = new Set(results.map((res) => res.body.id as number));
      expect(ids.size).toBe(1);
      const rows = await t.db.query(
        `SELECT m.seq, c.last_seq FROM messages m JOIN chats c ON c.id = m.chat_id WHERE m.chat_id = $1`,
        [chat.id],
      );
      expect(rows).toEqual([{ seq: 1, last_seq: 1 }]);
    });
  });

  describe('seq under concurrency', () => {
    it('numbers concurrent sends of several users 1..N with no gap and no repeat', async () => {
      const users = await Promise.all([1, 2, 3, 4].map(() => registerUser(t, 'racer')));
      const chat = await createChat(t, users[0], users.slice(1));
      const sent = await Promise.all(
        users.flatMap((user) => Array.from({ length: 10 }, (_, i) => send(t, user, chat.id, `m${i}`))),
      );
      const seqs = sent.map((m) => m.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      const [{ last_seq }] = await t.db.query(`SELECT last_seq FROM chats WHERE id = $1`, [chat.id]);
      expect(last_seq).toBe(40);
    });
  });

  describe('GET /chats/:chat_id/messages (history)', () => {
    let r: Roles;
    beforeAll(async () => {
      r = await chatWithRoles(t);
      for (let i = 1; i <= 7; i += 1) await send(t, i % 2 ? r.member : r.owner, r.chat.id, `message ${i}`);
    });

    it('answers newest first by default, 50 at most', async () => {
      const res = await messagesOf(r.member, r.chat.id).expect(200);
      expect(res.body.has_more).toBe(false);
      expect(res.body.items.map((m: MessageBody) => m.seq)).toEqual([7, 6, 5, 4, 3, 2, 1]);
      expect(res.body.items[0]).toEqual(
        expect.objectContaining({ content: 'message 7', sender_id: r.member.id }),
      );
    });

    it('pages backwards with before, exclusive, and says when there is more', async () => {
      expect(await seqsOf(r.member, r.chat.id, { limit: 3 })).toEqual({ seqs: [7, 6, 5], has_more: true });
      expect(await seqsOf(r.member, r.chat.id, { limit: 3, before: 5 })).toEqual({
        seqs: [4, 3, 2],
        has_more: true,
      });
      expect(await seqsOf(r.member, r.chat.id, { limit: 3, before: 2 })).toEqual({
        seqs: [1],
        has_more: false,
      });
      expect(await seqsOf(r.member, r.chat.id, { limit: 3, before: 4 })).toEqual({
        seqs: [3, 2, 1],
        has_more: false,
      });
    });

    it('pages forwards with sort=asc and after, exclusive', async () => {
      expect(await seqsOf(r.member, r.chat.id, { sort: 'asc', limit: 4 })).toEqual({
        seqs: [1, 2, 3, 4],
        has_more: true,
      });
      expect(await seqsOf(r.member, r.chat.id, { sort: 'asc', limit: 4, after: 4 })).toEqual({
        seqs: [5, 6, 7],
        has_more: false,
      });
      expect(await seqsOf(r.member, r.chat.id, { sort: 'asc', after: 7 })).toEqual({
        seqs: [],
        has_more: false,
      });
    });

    it('combines after and before into a window in either order', async () => {
      expect(await seqsOf(r.member, r.chat.id, { after: 2, before: 6 })).toEqual({
        seqs: [5, 4, 3],
        has_more: false,
      });
      expect(await seqsOf(r.member, r.chat.id, { after: 2, before: 6, sort: 'asc', limit: 2 })).toEqual({
        seqs: [3, 4],
        has_more: true,
      });
    });

    it.each(['owner', 'admin'] as const)('lets the %s read', async (role) => {
      expect((await seqsOf(r[role], r.chat.id, { limit: 1 })).seqs).toEqual([7]);
    });

    it('answers 401 without a token, 403 to a stranger and a removed member', async () => {
      await t.http().get(`${API}/chats/${r.chat.id}/messages`).expect(401);
      for (const user of [r.stranger, r.removed]) {
        expect((await messagesOf(user, r.chat.id).expect(403)).body.code).toBe('not_a_member');
      }
    });

    it.each([
      ['limit=0', 'limit', '0'],
      ['limit=101', 'limit', '101'],
      ['limit=abc', 'limit', 'abc'],
      ['limit=1.5', 'limit', '1.5'],
      ['an empty limit', 'limit', ''],
      ['before=-1', 'before', '-1'],
      ['before=x', 'before', 'x'],
      ['after=1e3', 'after', '1e3'],
      ['sort=up', 'sort', 'up'],
      ['a 201-character query', 'query', 'a'.repeat(201)],
      ['a query with NUL', 'query', 'a\u0000'],
      ['an unknown parameter', 'unknown', '1'],
    ])('rejects %s with 400', async (_, field, value) => {
      const res = await messagesOf(r.member, r.chat.id, { [field]: value }).expect(400);
      expectValidation(res.body, field);
    });

    it.each(BAD_IDS)('rejects chat_id %s with 400', async (id) => {
      const res = await t.http().get(`${API}/chats/${id}/messages`).set(r.member.auth).expect(400);
      expectValidation(res.body, 'chat_id');
    });
  });

  describe('search (query)', () => {
    let r: Roles;
    const texts = [
      'Рыжий КОТ у подъезда на Лесной',
      'рыжая кошка, ищем передержку',
      'Black CAT near the Vet clinic',
      'скидка 100% на стерилизацию',
      'скидка 100 процентов',
      'файл photo_cat.jpg',
      'файл photoXcat.jpg',
      'Ёжик в тумане',
    ];
    const search = async (query: string, user?: TestUser) => {
      const res = await messagesOf(user ?? r.member, r.chat.id, { query }).expect(200);
      return (res.body.items as MessageBody[]).map((m) => m.content);
    };

    beforeAll(async () => {
      r = await chatWithRoles(t);
      for (const text of texts) await send(t, r.owner, r.chat.id, text);
      const other = await createChat(t, r.owner, [r.member], { chat_type: 'seeker' });
      await send(t, r.owner, other.id, 'Рыжий кот в другом чате');
    });

    it('finds Cyrillic words in any case, only in this chat, newest first', async () => {
      expect(await search('рыж')).toEqual([texts[1], texts[0]]);
      expect(await search('РЫЖИЙ кот')).toEqual([texts[0]]);
      expect(await search('ёжик')).toEqual([texts[7]]);
    });

    it('finds Latin words in any case', async () => {
      expect(await search('cat VET')).toEqual([texts[2]]);
      expect(await search('black')).toEqual([texts[2]]);
    });

    it('needs every word, as a substring anywhere', async () => {
      expect(await search('кот кошка')).toEqual([]);
      expect(await search('передерж рыж')).toEqual([texts[1]]);
    });

    it('takes % and _ literally (seed defect 9)', async () => {
      expect(await search('100%')).toEqual([texts[3]]);
      expect(await search('%')).toEqual([texts[3]]);
      expect(await search('photo_cat')).toEqual([texts[5]]);
      expect(await search('_')).toEqual([texts[5]]);
      expect(await search('\\')).toEqual([]);
    });

    it('pages search results like the history, and an empty query finds everything', async () => {
      const first = await messagesOf(r.member, r.chat.id, { query: 'скидка', limit: 1 }).expect(200);
      expect(first.body).toEqual({ items: [expect.objectContaining({ content: texts[4] })], has_more: true });
      const next = await messagesOf(r.member, r.chat.id, {
        query: 'скидка',
        limit: 1,
        before: first.body.items[0].seq,
      }).expect(200);
      expect(next.body).toEqual({ items: [expect.objectContaining({ content: texts[3] })], has_more: false });
      expect(await search('  ')).toHaveLength(texts.length);
    });

    it('does not find deleted messages', async () => {
      const message = await send(t, r.member, r.chat.id, 'удалённый енот');
      expect(await search('енот')).toEqual(['удалённый енот']);
      await t
        .http()
        .delete(`${API}/chats/${r.chat.id}/messages/${message.id}`)
        .set(r.member.auth)
        .expect(204);
      expect(await search('енот')).toEqual([]);
    });

    it('is for members only', async () => {
      await messagesOf(r.stranger, r.chat.id, { query: 'кот' }).expect(403);
    });
  });

  describe('PATCH /chats/:chat_id/messages/:message_id', () => {
    let r: Roles;
    let message: MessageBody;
    const edit = (user: TestUser | undefined, chatId: number | string, id: number | string, body: object) => {
      const req = t.http().patch(`${API}/chats/${chatId}/messages/${id}`).send(body);
      return user ? req.set(user.auth) : req;
    };

    beforeAll(async () => {
      r = await chatWithRoles(t);
      message = await send(t, r.member, r.chat.id, 'секретный текст');
    });

    it('lets the author edit: 200, trimmed content, edited_at set, published', async () => {
      const recorder = recordEvents(t);
      try {
        const res = await edit(r.member, r.chat.id, message.id, { content: ' исправлено ' }).expect(200);
        expect(res.body).toEqual({
          ...message,
          content: 'исправлено',
          edited_at: expect.stringMatching(ISO),
        });
        expect(recorder.events).toEqual([{ type: 'message.updated', chatId: r.chat.id, message: res.body }]);
      } finally {
        recorder.stop();
      }
      const [latest] = (await messagesOf(r.owner, r.chat.id).expect(200)).body.items;
      expect(latest.content).toBe('исправлено');
    });

    it.each(['owner', 'admin', 'stranger', 'removed'] as const)(
      'refuses the %s with 403 and shows nothing of the message (seed defect 2)',
      async (role) => {
        const res = await edit(r[role], r.chat.id, message.id, { content: 'взлом' }).expect(403);
        expect(res.body).toEqual({ status: 403, code: expect.any(String), message: expect.any(String) });
        expect(JSON.stringify(res.body)).not.toContain('исправлено');
      },
    );

    it('refuses another plain member with 403 forbidden and anonymous with 401', async () => {
      const other = await registerUser(t);
      await t.http().post(`${API}/chats/${r.chat.id}/members/${other.id}`).set(r.owner.auth).expect(201);
      expect((await edit(other, r.chat.id, message.id, { content: 'взлом' }).expect(403)).body.code).toBe(
        'forbidden',
      );
      await edit(undefined, r.chat.id, message.id, { content: 'взлом' }).expect(401);
      const [latest] = (await messagesOf(r.owner, r.chat.id).expect(200)).body.items;
      expect(latest.content).toBe('исправлено');
    });

    it('answers 404 for a message under another chat, an unknown id and a deleted message', async () => {
      const other = await createChat(t, r.member, [r.owner], { chat_type: 'keeper' });
      const elsewhere = await send(t, r.member, other.id, 'в другом чате');
      expect((await edit(r.member, r.chat.id, elsewhere.id, { content: 'x' }).expect(404)).body.code).toBe(
        'message_not_found',
      );
      await edit(r.member, r.chat.id, 2_000_000_000, { content: 'x' }).expect(404);
      const doomed = await send(t, r.member, r.chat.id, 'удалю');
      await t.http().delete(`${API}/chats/${r.chat.id}/messages/${doomed.id}`).set(r.member.auth).expect(204);
      await edit(r.member, r.chat.id, doomed.id, { content: 'x' }).expect(404);
    });

    it.each([
      ['empty content', { content: '' }, 'content'],
      ['whitespace-only content', { content: '   ' }, 'content'],
      ['4001 characters', { content: 'x'.repeat(4001) }, 'content'],
      ['an unknown field', { content: 'x', seq: 1 }, 'seq'],
    ])('rejects %s with 400', async (_, body, field) => {
      expectValidation((await edit(r.member, r.chat.id, message.id, body).expect(400)).body, field);
    });

    it.each(BAD_IDS)('rejects message_id %s with 400', async (id) => {
      expectValidation(
        (await edit(r.member, r.chat.id, id, { content: 'x' }).expect(400)).body,
        'message_id',
      );
    });
  });

  describe('DELETE /chats/:chat_id/messages/:message_id', () => {
    let r: Roles;
    const remove = (user: TestUser | undefined, chatId: number | string, id: number | string) => {
      const req = t.http().delete(`${API}/chats/${chatId}/messages/${id}`);
      return user ? req.set(user.auth) : req;
    };

    beforeAll(async () => {
      r = await chatWithRoles(t);
    });

    it('lets the author delete: 204 without a body, published with its seq, gone from the history', async () => {
      const message = await send(t, r.member, r.chat.id, 'моё');
      const recorder = recordEvents(t);
      try {
        const res = await remove(r.member, r.chat.id, message.id).expect(204);
        expect(res.text).toBe('');
        expect(recorder.events).toEqual([
          { type: 'message.deleted', chatId: r.chat.id, messageId: message.id, seq: message.seq },
        ]);
      } finally {
        recorder.stop();
      }
      const ids = (await messagesOf(r.owner, r.chat.id).expect(200)).body.items.map((m: MessageBody) => m.id);
      expect(ids).not.toContain(message.id);
      await remove(r.member, r.chat.id, message.id).expect(404);
    });

    it.each(['owner', 'admin'] as const)("lets the %s delete another's message", async (role) => {
      const message = await send(t, r.member, r.chat.id, 'чужое');
      await remove(r[role], r.chat.id, message.id).expect(204);
    });

    it('refuses another plain member with 403 forbidden (seed defect 2)', async () => {
      const message = await send(t, r.owner, r.chat.id, 'от владельца');
      expect((await remove(r.member, r.chat.id, message.id).expect(403)).body.code).toBe('forbidden');
      expect((await seqsOf(r.member, r.chat.id, { limit: 1 })).seqs).toEqual([message.seq]);
    });

    it('refuses anonymous (401), a stranger and a removed member, even their own old message (403)', async () => {
      const { chat, owner, member } = await chatWithRoles(t);
      const own = await send(t, member, chat.id, 'до удаления из чата');
      await t.http().delete(`${API}/chats/${chat.id}/members/${member.id}`).set(owner.auth).expect(204);
      await remove(undefined, chat.id, own.id).expect(401);
      expect((await remove(member, chat.id, own.id).expect(403)).body.code).toBe('not_a_member');
      expect((await remove(r.stranger, chat.id, own.id).expect(403)).body.code).toBe('not_a_member');
    });

    it('answers 404 for a message under another chat', async () => {
      const other = await createChat(t, r.owner, [r.member], { chat_type: 'keeper' });
      const elsewhere = await send(t, r.owner, other.id, 'там');
      expect((await remove(r.owner, r.chat.id, elsewhere.id).expect(404)).body.code).toBe(
        'message_not_found',
      );
      await remove(r.owner, other.id, elsewhere.id).expect(204);
    });

    it.each(BAD_IDS)('rejects message_id %s with 400', async (id) => {
      expectValidation((await remove(r.owner, r.chat.id, id).expect(400)).body, 'message_id');
    });

    it('drops a deleted newest message from the chat last_message', async () => {
      const { chat, owner, member } = await chatWithRoles(t);
      const older = await send(t, owner, chat.id, 'старое');
      const newer = await send(t, owner, chat.id, 'новое');
      const before = await t.http().get(`${API}/chats/${chat.id}`).set(member.auth).expect(200);
      expect(before.body.last_message.id).toBe(newer.id);
      await remove(owner, chat.id, newer.id).expect(204);
      const after = await t.http().get(`${API}/chats/${chat.id}`).set(member.auth).expect(200);
      expect(after.body.last_message).toEqual(older);
      await remove(owner, chat.id, older.id).expect(204);
      const empty = await t.http().get(`${API}/chats/${chat.id}`).set(member.auth).expect(200);
      expect(empty.body.last_message).toBeNull();
    });
  });

  describe('a deleted chat', () => {
    it('answers 404 to every message route, for every member', async () => {
      const { chat, owner, member } = await chatWithRoles(t);
      const message = await send(t, member, chat.id, 'до удаления');
      await t.http().delete(`${API}/chats/${chat.id}`).set(owner.auth).expect(204);
      const base = `${API}/chats/${chat.id}`;
      for (const user of [owner, member]) {
        const responses = await Promise.all([
          t.http().get(`${base}/messages`).set(user.auth),
          t.http().post(`${base}/messages`).set(user.auth).send({ content: 'x' }),
          t.http().patch(`${base}/messages/${message.id}`).set(user.auth).send({ content: 'x' }),
          t.http().delete(`${base}/messages/${message.id}`).set(user.auth),
        ]);
        for (const res of responses) {
          expect(res.body).toEqual({ status: 404, code: 'chat_not_found', message: expect.any(String) });
        }
      }
    });
  });
});
