import { useApp } from './support/app.fixture';
import { createChat, Roles } from './support/chats.helpers';
import {
  API,
  BAD_IDS,
  chatWithRoles,
  expectValidation,
  historyOf,
  ISO,
  MANY_REQUESTS,
  MessageBody,
  recordEvents,
  send,
} from './support/messages.helpers';
import { registerUser, TestUser } from './support/users.helpers';

describe('messages (e2e)', () => {
  const t = useApp(MANY_REQUESTS);

  const { messagesOf, seqsOf } = historyOf(t);

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
