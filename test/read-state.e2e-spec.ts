import type request from 'supertest';
import type { DomainEvent } from '../src/events/domain-events.bus';
import { startApp, TestApp } from './support/app.fixture';
import { createChat, Roles } from './support/chats.helpers';
import { failInserts } from './support/failing-trigger.fixture';
import {
  API,
  BAD_IDS,
  chatWithRoles,
  MANY_REQUESTS,
  MessageBody,
  recordEvents,
  send,
} from './support/messages.helpers';
import { registerUser, TestUser } from './support/users.helpers';

describe('read state (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp(MANY_REQUESTS);
  });
  afterAll(() => t.close());

  const withAuth = (req: request.Test, user?: TestUser): request.Test => (user ? req.set(user.auth) : req);
  const getUnread = (user: TestUser | undefined, chatId: number | string) =>
    withAuth(t.http().get(`${API}/chats/${chatId}/unread`), user);
  const markRead = (user: TestUser | undefined, chatId: number | string, body: object = {}) =>
    withAuth(t.http().patch(`${API}/chats/${chatId}/unread`).send(body), user);
  const getReads = (user: TestUser | undefined, chatId: number | string, messageId: number | string) =>
    withAuth(t.http().get(`${API}/chats/${chatId}/messages/${messageId}/reads`), user);
  const unreadOf = async (user: TestUser, chatId: number) => (await getUnread(user, chatId).expect(200)).body;
  const readersOf = async (user: TestUser, chatId: number, messageId: number) =>
    ((await getReads(user, chatId, messageId).expect(200)).body.items as { user_id: number }[]).map(
      (r) => r.user_id,
    );
  const deleteMessage = (user: TestUser, chatId: number, messageId: number) =>
    t.http().delete(`${API}/chats/${chatId}/messages/${messageId}`).set(user.auth).expect(204);
  const receiptRows = async (userId: number, chatId: number): Promise<number[]> => {
    const rows: { seq: number }[] = await t.db.query(
      `SELECT DISTINCT m.seq FROM message_read_ranges r
         JOIN messages m ON m.chat_id = r.chat_id AND m.seq BETWEEN r.from_seq AND r.to_seq
                        AND m.sender_id <> r.user_id AND m.deleted_at IS NULL
        WHERE r.user_id = $1 AND r.chat_id = $2 ORDER BY m.seq`,
      [userId, chatId],
    );
    return rows.map((row) => row.seq);
  };

  describe('GET /chats/:chat_id/unread', () => {
    it("counts others' live messages past the cursor, never one's own or deleted ones (seed defect 7)", async () => {
      const [owner, admin, member] = await Promise.all(['o', 'a', 'm'].map((p) => registerUser(t, p)));
      const chat = await createChat(t, owner, [admin, member]);
      expect(await unreadOf(member, chat.id)).toEqual({
        unread_count: 0,
        unread_mentions_count: 0,
        last_read_seq: 0,
      });

      const o = [await send(t, owner, chat.id, 'o1'), await send(t, owner, chat.id, 'o2')];
      await send(t, owner, chat.id, 'o3');
      expect(await unreadOf(member, chat.id)).toEqual({
        unread_count: 3,
        unread_mentions_count: 0,
        last_read_seq: 0,
      });
      expect(await unreadOf(owner, chat.id)).toEqual({
        unread_count: 0,
        unread_mentions_count: 0,
        last_read_seq: 3,
      });

      // Sending marks the chat read up to the new message for the sender.
      await send(t, member, chat.id, 'm4');
      expect(await unreadOf(member, chat.id)).toEqual({
        unread_count: 0,
        unread_mentions_count: 0,
        last_read_seq: 4,
      });
      expect(await unreadOf(owner, chat.id)).toEqual({
        unread_count: 1,
        unread_mentions_count: 0,
        last_read_seq: 3,
      });
      expect(await unreadOf(admin, chat.id)).toEqual({
        unread_count: 4,
        unread_mentions_count: 0,
        last_read_seq: 0,
      });

      await deleteMessage(owner, chat.id, o[1].id);
      expect(await unreadOf(admin, chat.id)).toEqual({
        unread_count: 3,
        unread_mentions_count: 0,
        last_read_seq: 0,
      });
      expect(await unreadOf(member, chat.id)).toEqual({
        unread_count: 0,
        unread_mentions_count: 0,
        last_read_seq: 4,
      });
    });

    it('writes receipts for the messages of others that a send passes', async () => {
      const { chat, owner, member } = await chatWithRoles(t);
      const first = await send(t, owner, chat.id, 'o1');
      await send(t, member, chat.id, 'm2');
      expect(await readersOf(owner, chat.id, first.id)).toEqual([member.id]);
      expect(await receiptRows(member.id, chat.id)).toEqual([1]);
    });
  });

  describe('PATCH /chats/:chat_id/unread', () => {
    let r: Roles;
    let sent: MessageBody[];

    beforeEach(async () => {
      r = await chatWithRoles(t);
      sent = [];
      for (const user of [r.owner, r.admin, r.owner, r.admin, r.owner])
        sent.push(await send(t, user, r.chat.id, 'x'));
    });

    it("marks everything read without up_to_seq, with receipts for the others' messages only", async () => {
      expect(await unreadOf(r.admin, r.chat.id)).toEqual({
        unread_count: 1,
        unread_mentions_count: 0,
        last_read_seq: 4,
      });
      const res = await markRead(r.admin, r.chat.id).expect(200);
      expect(res.body).toEqual({ unread_count: 0, unread_mentions_count: 0, last_read_seq: 5 });
      // 1 and 3 were read by sending 2 and 4; the admin's own 2 and 4 get no receipt.
      expect(await receiptRows(r.admin.id, r.chat.id)).toEqual([1, 3, 5]);
      // The owner read the admin's 4 by sending 5; the admin is never a reader of their own.
      expect(await readersOf(r.owner, r.chat.id, sent[3].id)).toEqual([r.owner.id]);
    });

    it('marks up to up_to_seq and never moves the cursor back', async () => {
      expect((await markRead(r.member, r.chat.id, { up_to_seq: 3 }).expect(200)).body).toEqual({
        unread_count: 2,
        unread_mentions_count: 0,
        last_read_seq: 3,
      });
      expect((await markRead(r.member, r.chat.id, { up_to_seq: 1 }).expect(200)).body).toEqual({
        unread_count: 2,
        unread_mentions_count: 0,
        last_read_seq: 3,
      });
      expect((await markRead(r.member, r.chat.id, { up_to_seq: 0 }).expect(200)).body.last_read_seq).toBe(3);
      expect(await unreadOf(r.member, r.chat.id)).toEqual({
        unread_count: 2,
        unread_mentions_count: 0,
        last_read_seq: 3,
      });
      expect(await receiptRows(r.member.id, r.chat.id)).toEqual([1, 2, 3]);
    });

    it("clamps an up_to_seq past the chat's last message to the last seq", async () => {
      const res = await markRead(r.member, r.chat.id, { up_to_seq: 1_000_000 }).expect(200);
      expect(res.body).toEqual({ unread_count: 0, unread_mentions_count: 0, last_read_seq: 5 });
      // A message sent later is unread, not silently read ahead of time.
      await send(t, r.owner, r.chat.id, 'later');
      expect(await unreadOf(r.member, r.chat.id)).toEqual({
        unread_count: 1,
        unread_mentions_count: 0,
        last_read_seq: 5,
      });
    });

    it('writes no receipt for a deleted message and does not count it', async () => {
      await deleteMessage(r.owner, r.chat.id, sent[2].id);
      expect(await unreadOf(r.member, r.chat.id)).toEqual({
        unread_count: 4,
        unread_mentions_count: 0,
        last_read_seq: 0,
      });
      expect(await unreadOf(r.owner, r.chat.id)).toEqual({
        unread_count: 0,
        unread_mentions_count: 0,
        last_read_seq: 5,
      });
      const res = await markRead(r.member, r.chat.id).expect(200);
      expect(res.body).toEqual({ unread_count: 0, unread_mentions_count: 0, last_read_seq: 5 });
      expect(await receiptRows(r.member.id, r.chat.id)).toEqual([1, 2, 4, 5]);
    });

    it('moves the cursor only with its receipts: a failed write leaves both as they were', async () => {
      const restore = await failInserts(t.db, 'message_read_ranges', `NEW.user_id = ${r.member.id}`);
      try {
        expect((await markRead(r.member, r.chat.id, { up_to_seq: 3 })).status).toBe(500);
      } finally {
        await restore();
      }
      expect(await unreadOf(r.member, r.chat.id)).toEqual({
        unread_count: 5,
        unread_mentions_count: 0,
        last_read_seq: 0,
      });
      expect(await receiptRows(r.member.id, r.chat.id)).toEqual([]);
      await markRead(r.member, r.chat.id, { up_to_seq: 3 }).expect(200);
      expect(await receiptRows(r.member.id, r.chat.id)).toEqual([1, 2, 3]);
    });

    it('publishes chat.read only when the cursor moves', async () => {
      const recorder = recordEvents(t);
      try {
        await markRead(r.member, r.chat.id, { up_to_seq: 4 }).expect(200);
        await markRead(r.member, r.chat.id, { up_to_seq: 2 }).expect(200);
        await markRead(r.member, r.chat.id, { up_to_seq: 4 }).expect(200);
        expect(recorder.events).toEqual([
          {
            type: 'chat.read',
            chatId: r.chat.id,
            userId: r.member.id,
            lastReadSeq: 4,
            readAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
          },
        ]);
      } finally {
        recorder.stop();
      }
    });

    it('survives concurrent calls: every one answers, no receipt twice, the furthest cursor wins (seed defect 7)', async () => {
      const recorder = recordEvents(t);
      try {
        const targets = [1, 5, 3, undefined, 2, 4, 5, 1, undefined, 3];
        const results = await Promise.all(
          targets.map((up) => markRead(r.member, r.chat.id, up === undefined ? {} : { up_to_seq: up })),
        );
        expect(results.map((res) => res.status)).toEqual(targets.map(() => 200));
        for (const res of results) expect(res.body.last_read_seq).toBeGreaterThanOrEqual(1);
        const moves = recorder.events.map((event: DomainEvent) =>
          event.type === 'chat.read' ? event.lastReadSeq : 0,
        );
        // Each move goes strictly forward under the member row's lock, so no value repeats.
        expect(new Set(moves).size).toBe(moves.length);
        expect(Math.max(...moves)).toBe(5);
      } finally {
        recorder.stop();
      }
      expect(await unreadOf(r.member, r.chat.id)).toEqual({
        unread_count: 0,
        unread_mentions_count: 0,
        last_read_seq: 5,
      });
      const [{ total, distinct }] = await t.db.query(
        `SELECT count(*)::int AS total, count(DISTINCT m.id)::int AS distinct
           FROM message_read_ranges r
         JOIN messages m ON m.chat_id = r.chat_id AND m.seq BETWEEN r.from_seq AND r.to_seq
                        AND m.sender_id <> r.user_id AND m.deleted_at IS NULL
          WHERE r.user_id = $1`,
        [r.member.id],
      );
      expect({ total, distinct }).toEqual({ total: 5, distinct: 5 });
    });

    it('survives many overlapping mark-reads that each go a little further', async () => {
      for (let i = 0; i < 35; i += 1) await send(t, r.owner, r.chat.id, `more ${i}`);
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => markRead(r.member, r.chat.id, { up_to_seq: i + 1 })),
      );
      expect(results.filter((res) => res.status !== 200).map((res) => res.body)).toEqual([]);
      expect(await unreadOf(r.member, r.chat.id)).toEqual({
        unread_count: 0,
        unread_mentions_count: 0,
        last_read_seq: 40,
      });
      expect(await receiptRows(r.member.id, r.chat.id)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    });

    it('keeps working when one user sends and marks read at the same time', async () => {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          i % 2
            ? markRead(r.admin, r.chat.id)
            : t
                .http()
                .post(`${API}/chats/${r.chat.id}/messages`)
                .set(r.admin.auth)
                .send({ content: `c${i}` }),
        ),
      );
      expect(results.map((res) => res.status).sort()).toEqual([...Array(6).fill(200), ...Array(6).fill(201)]);
      expect(await unreadOf(r.admin, r.chat.id)).toEqual({
        unread_count: 0,
        unread_mentions_count: 0,
        last_read_seq: 11,
      });
    });

    it('answers an empty chat with zeros', async () => {
      const owner = await registerUser(t);
      const chat = await createChat(t, owner, []);
      expect((await markRead(owner, chat.id).expect(200)).body).toEqual({
        unread_count: 0,
        unread_mentions_count: 0,
        last_read_seq: 0,
      });
    });

    it.each([
      ['a negative up_to_seq', { up_to_seq: -1 }, 'up_to_seq'],
      ['a fractional up_to_seq', { up_to_seq: 1.5 }, 'up_to_seq'],
      ['a string up_to_seq', { up_to_seq: '3' }, 'up_to_seq'],
      ['a huge up_to_seq', { up_to_seq: 2 ** 31 }, 'up_to_seq'],
      ['an unknown field', { last_read_seq: 3 }, 'last_read_seq'],
    ])('rejects %s with 400', async (_, body, field) => {
      const res = await markRead(r.member, r.chat.id, body).expect(400);
      expect(res.body).toEqual({
        status: 400,
        code: 'validation_failed',
        message: expect.any(String),
        details: [expect.objectContaining({ field })],
      });
    });
  });

  describe('GET /chats/:chat_id/messages/:message_id/reads', () => {
    it('lists the active members who read it, first reader first, never the sender', async () => {
      const { chat, owner, admin, member } = await chatWithRoles(t);
      const message = await send(t, owner, chat.id, 'прочитай меня');
      expect((await getReads(owner, chat.id, message.id).expect(200)).body).toEqual({ items: [] });

      await markRead(member, chat.id).expect(200);
      await markRead(admin, chat.id).expect(200);
      await markRead(owner, chat.id).expect(200);
      const res = await getReads(member, chat.id, message.id).expect(200);
      expect(res.body.items).toEqual([
        { user_id: member.id, read_at: expect.any(String) },
        { user_id: admin.id, read_at: expect.any(String) },
      ]);
      expect(Date.parse(res.body.items[0].read_at)).toBeLessThanOrEqual(
        Date.parse(res.body.items[1].read_at),
      );

      // A member who leaves is no longer listed.
      await t.http().delete(`${API}/chats/${chat.id}/members/${member.id}`).set(member.auth).expect(204);
      expect(await readersOf(owner, chat.id, message.id)).toEqual([admin.id]);
    });

    it('answers 404 for a deleted message, one under another chat and an unknown id', async () => {
      const { chat, owner, member } = await chatWithRoles(t);
      const message = await send(t, owner, chat.id, 'x');
      const other = await createChat(t, owner, [member], { chat_type: 'keeper' });
      const elsewhere = await send(t, owner, other.id, 'y');
      expect((await getReads(owner, chat.id, elsewhere.id).expect(404)).body.code).toBe('message_not_found');
      await getReads(owner, chat.id, 2_000_000_000).expect(404);
      await deleteMessage(owner, chat.id, message.id);
      await getReads(owner, chat.id, message.id).expect(404);
    });

    it.each(BAD_IDS)('rejects message_id %s with 400', async (id) => {
      const { chat, owner } = await chatWithRoles(t);
      expect((await getReads(owner, chat.id, id).expect(400)).body.details).toEqual([
        expect.objectContaining({ field: 'message_id' }),
      ]);
    });
  });

  describe('authorization', () => {
    let r: Roles;
    let message: MessageBody;
    beforeAll(async () => {
      r = await chatWithRoles(t);
      message = await send(t, r.member, r.chat.id, 'x');
    });

    const routes = [
      ['GET unread', (u?: TestUser) => getUnread(u, r.chat.id)],
      ['PATCH unread', (u?: TestUser) => markRead(u, r.chat.id)],
      ['GET reads', (u?: TestUser) => getReads(u, r.chat.id, message.id)],
    ] as const;

    it.each(routes)(
      '%s: 401 anonymous, 403 stranger and removed, 200 member, admin, owner',
      async (_, call) => {
        expect((await call().expect(401)).body.code).toBe('unauthorized');
        for (const user of [r.stranger, r.removed]) {
          expect((await call(user).expect(403)).body).toEqual({
            status: 403,
            code: 'not_a_member',
            message: expect.any(String),
          });
        }
        for (const user of [r.member, r.admin, r.owner]) await call(user).expect(200);
      },
    );

    it.each(BAD_IDS)('rejects chat_id %s with 400 on every route', async (id) => {
      for (const res of [
        await getUnread(r.member, id),
        await markRead(r.member, id),
        await getReads(r.member, id, message.id),
      ]) {
        expect(res.status).toBe(400);
        expect(res.body.details).toEqual([expect.objectContaining({ field: 'chat_id' })]);
      }
    });

    it('answers 404 on every route once the chat is deleted', async () => {
      const { chat, owner, member } = await chatWithRoles(t);
      const sent = await send(t, member, chat.id, 'x');
      await t.http().delete(`${API}/chats/${chat.id}`).set(owner.auth).expect(204);
      for (const user of [owner, member]) {
        for (const res of [
          await getUnread(user, chat.id),
          await markRead(user, chat.id),
          await getReads(user, chat.id, sent.id),
        ]) {
          expect(res.body).toEqual({ status: 404, code: 'chat_not_found', message: expect.any(String) });
        }
      }
    });
  });
});
