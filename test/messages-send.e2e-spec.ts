import { useApp } from './support/app.fixture';
import { createChat, Roles } from './support/chats.helpers';
import {
  BAD_IDS,
  chatWithRoles,
  expectValidation,
  ISO,
  MANY_REQUESTS,
  postMessage,
  recordEvents,
  send,
} from './support/messages.helpers';
import { registerUser } from './support/users.helpers';

describe('messages (e2e)', () => {
  const t = useApp(MANY_REQUESTS);

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
        attachments: [],
        reply_to: null,
        forwarded_from: null,
        location: null,
        mentions: [],
        // v1.1: every Message has its reactions, [] when none.
        reactions: [],
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
});
