import { AttachmentsSweeper } from '../src/attachments/attachments.sweeper';
import { useApp } from './support/app.fixture';
import { fetchSigned, uploaded, withoutSignatures } from './support/attachments.helpers';
import { ChatBody, createChat, removeMember } from './support/chats.helpers';
import {
  API,
  expectValidation,
  historyOf,
  MANY_REQUESTS,
  MessageBody,
  postMessage,
  send,
} from './support/messages.helpers';
import { pdf, png } from './support/media.fixtures';
import { closeSockets, connectAs, ERROR, request, waitForEvent } from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

/** Issue 14, items 1–4: replies, forwards, locations and mentions, over REST and the socket. */
describe('replies, forwards, locations, mentions (e2e)', () => {
  const t = useApp(MANY_REQUESTS);
  let anna: TestUser;
  let boris: TestUser;
  let vera: TestUser;
  /** anna and boris. */
  let chat: ChatBody;
  /** anna and vera: boris is not in it. */
  let vet: ChatBody;

  beforeAll(async () => {
    [anna, boris, vera] = [
      await registerUser(t, 'anna'),
      await registerUser(t, 'boris'),
      await registerUser(t, 'vera'),
    ];
    chat = await createChat(t, anna, [boris]);
    vet = await createChat(t, anna, [vera], { chat_type: 'vet', title: 'Клиника на Ленина' });
  });
  afterEach(closeSockets);

  const { messagesOf } = historyOf(t);
  const newest = async (user: TestUser, chatId: number): Promise<MessageBody> =>
    ((await messagesOf(user, chatId, { limit: 1 }).expect(200)).body.items as MessageBody[])[0];
  const chatView = async (user: TestUser, chatId: number) =>
    (await t.http().get(`${API}/chats/${chatId}`).set(user.auth).expect(200)).body as ChatBody & {
      unread_mentions_count: number;
      last_message: MessageBody | null;
    };

  it('gives every message the new keys, null or [] when unused (text-only v1 shape plus them)', async () => {
    const sent = await send(t, anna, chat.id, 'просто текст');
    expect(sent).toMatchObject({ reply_to: null, forwarded_from: null, location: null, mentions: [] });
    expect(await newest(boris, chat.id)).toEqual(sent);
  });

  describe('replies', () => {
    it('shows the original’s preview, which follows its edits and its deletion', async () => {
      const original = await send(t, boris, chat.id, 'К'.repeat(250));
      const reply = await postMessage(t, anna, chat.id, { content: 'Беру', reply_to_id: original.id }).expect(
        201,
      );
      const preview = {
        message_id: original.id,
        seq: original.seq,
        sender_id: boris.id,
        sender_name: original.sender_name,
        content: 'К'.repeat(200),
        deleted: false,
      };
      expect(reply.body.reply_to).toEqual(preview);
      await t
        .http()
        .patch(`${API}/chats/${chat.id}/messages/${original.id}`)
        .set(boris.auth)
        .send({ content: 'Кот у подъезда 5' })
        .expect(200);
      expect((await newest(anna, chat.id)).reply_to).toEqual({ ...preview, content: 'Кот у подъезда 5' });
      expect((await chatView(anna, chat.id)).last_message?.reply_to).toEqual({
        ...preview,
        content: 'Кот у подъезда 5',
      });
      await t.http().delete(`${API}/chats/${chat.id}/messages/${original.id}`).set(boris.auth).expect(204);
      expect((await newest(boris, chat.id)).reply_to).toEqual({ ...preview, content: '', deleted: true });
    });

    it('refuses a reply to a message of another chat, a deleted one or none, with 400 on reply_to_id and nothing sent', async () => {
      const elsewhere = await send(t, anna, vet.id, 'в клинике');
      const gone = await send(t, anna, chat.id, 'удалю');
      await t.http().delete(`${API}/chats/${chat.id}/messages/${gone.id}`).set(anna.auth).expect(204);
      const before = await newest(anna, chat.id);
      for (const reply_to_id of [elsewhere.id, gone.id, 2_000_000_000]) {
        const res = await postMessage(t, anna, chat.id, { content: 'ответ', reply_to_id }).expect(400);
        expectValidation(res.body, 'reply_to_id');
        // The same words whether the message exists elsewhere or not at all.
        expect(res.body.details).toEqual([
          { field: 'reply_to_id', message: 'reply_to_id must be a message of this chat that is not deleted' },
        ]);
      }
      for (const reply_to_id of ['1', 0, 1.5]) {
        expectValidation(
          (await postMessage(t, anna, chat.id, { content: 'x', reply_to_id }).expect(400)).body,
          'reply_to_id',
        );
      }
      expect((await newest(anna, chat.id)).id).toBe(before.id);
    });
  });

  describe('forwards', () => {
    it('copies content, attachments and location; the copy is readable by the new chat’s members; no title or members leak', async () => {
      const document = await uploaded(t, anna, pdf());
      const image = await uploaded(t, anna, await png(32, 24));
      const origin = await postMessage(t, anna, vet.id, {
        content: 'Нашли пса',
        attachment_ids: [document.id, image.id],
        location: { latitude: 55.75, longitude: 37.61, accuracy_m: 12.5, label: 'Гаражи' },
      }).expect(201);
      const res = await postMessage(t, anna, chat.id, { forward_message_id: origin.body.id }).expect(201);
      const copy = res.body as MessageBody;
      expect(copy).toMatchObject({
        content: 'Нашли пса',
        location: { latitude: 55.75, longitude: 37.61, accuracy_m: 12.5, label: 'Гаражи' },
        reply_to: null,
        mentions: [],
      });
      expect(copy.forwarded_from).toEqual({
        message_id: origin.body.id,
        chat_id: vet.id,
        sender_id: anna.id,
        sender_name: origin.body.sender_name,
        created_at: origin.body.created_at,
      });
      expect(JSON.stringify(copy)).not.toContain('Клиника');
      // New attachment references, in order, to the same bytes.
      expect(copy.attachments.map((a) => [a.kind, a.name, a.size_bytes])).toEqual([
        [document.kind, document.name, document.size_bytes],
        [image.kind, image.name, image.size_bytes],
      ]);
      expect(copy.attachments.map((a) => a.id)).not.toContain(document.id);
      // boris, who is not in the vet chat, reads the forwarded copies, not the originals.
      const seen = await newest(boris, chat.id);
      expect(withoutSignatures(seen)).toEqual(withoutSignatures(copy));
      await t.http().get(`${API}/attachments/${seen.attachments[0].id}`).set(boris.auth).expect(200);
      await t.http().get(`${API}/attachments/${document.id}`).set(boris.auth).expect(403);
      const bytes = await fetchSigned(t, seen.attachments[0].url).expect(200);
      expect(Buffer.from(bytes.body as Buffer).equals(pdf())).toBe(true);
      await fetchSigned(t, seen.attachments[1].thumbnail_url!).expect(200);
      // Deleting the original leaves the copy's bytes: the sweep keeps bytes another row names.
      await t.http().delete(`${API}/chats/${vet.id}/messages/${origin.body.id}`).set(anna.auth).expect(204);
      await t.db.query(`UPDATE attachments SET deleted_at = now() - interval '30 days' WHERE id = $1`, [
        document.id,
      ]);
      await t.app.get(AttachmentsSweeper).sweep();
      expect((await t.db.query('SELECT 1 FROM attachments WHERE id = $1', [document.id])).length).toBe(0);
      const again = await fetchSigned(t, (await newest(boris, chat.id)).attachments[0].url).expect(200);
      expect(Buffer.from(again.body as Buffer).equals(pdf())).toBe(true);
      // The copy still names its origin, deleted or not.
      expect((await newest(boris, chat.id)).forwarded_from?.message_id).toBe(origin.body.id);
    });

    it('names the first origin when a forward is forwarded again', async () => {
      const origin = await send(t, anna, vet.id, 'первый');
      const first = await postMessage(t, anna, chat.id, { forward_message_id: origin.id }).expect(201);
      const second = await postMessage(t, boris, chat.id, { forward_message_id: first.body.id }).expect(201);
      expect(second.body.forwarded_from).toMatchObject({ message_id: origin.id, chat_id: vet.id });
      expect(second.body.content).toBe('первый');
    });

    it('refuses forwarding from a chat one is not in or has left, and a deleted message, alike (400, no leak)', async () => {
      const secret = await send(t, anna, vet.id, 'секрет клиники');
      const gone = await send(t, anna, chat.id, 'удалено');
      await t.http().delete(`${API}/chats/${chat.id}/messages/${gone.id}`).set(anna.auth).expect(204);
      const answers = [];
      for (const forward_message_id of [secret.id, gone.id, 2_000_000_000]) {
        const res = await postMessage(t, boris, chat.id, { forward_message_id }).expect(400);
        answers.push(res.body);
      }
      expect(answers[0]).toEqual(answers[2]);
      expect(answers[1]).toEqual(answers[2]);
      expectValidation(answers[0], 'forward_message_id');
      // vera leaves the vet chat: she can no longer forward from it.
      const other = await createChat(t, vera, [boris]);
      const before = await postMessage(t, vera, other.id, { forward_message_id: secret.id }).expect(201);
      expect(before.body.content).toBe('секрет клиники');
      await removeMember(t, vet.id, anna, vera);
      expectValidation(
        (await postMessage(t, vera, other.id, { forward_message_id: secret.id }).expect(400)).body,
        'forward_message_id',
      );
      // A forward carries no attachment_ids or location of its own.
      for (const extra of [{ attachment_ids: [1] }, { location: { latitude: 1, longitude: 1 } }]) {
        const res = await postMessage(t, anna, chat.id, { forward_message_id: gone.id, ...extra }).expect(
          400,
        );
        expectValidation(res.body, Object.keys(extra)[0]);
      }
    });
  });

  describe('locations', () => {
    it('sends a message that is only a location; absent optional fields read null', async () => {
      const res = await postMessage(t, anna, chat.id, { location: { latitude: -90, longitude: 180 } }).expect(
        201,
      );
      expect(res.body).toMatchObject({
        content: '',
        attachments: [],
        location: { latitude: -90, longitude: 180, accuracy_m: null, label: null },
      });
      expect((await chatView(boris, chat.id)).last_message).toEqual(res.body);
    });

    it('refuses NaN, Infinity, strings, out-of-range values and long labels with 400 on the field', async () => {
      const cases: [unknown, string][] = [
        [{ latitude: 90.0001, longitude: 0 }, 'location.latitude'],
        [{ latitude: 0, longitude: -180.5 }, 'location.longitude'],
        [{ latitude: '55.7', longitude: 37 }, 'location.latitude'],
        [{ latitude: 'NaN', longitude: 37 }, 'location.latitude'],
        [{ latitude: 10, longitude: 'Infinity' }, 'location.longitude'],
        [{ latitude: 10 }, 'location.longitude'],
        [{ latitude: 10, longitude: 10, accuracy_m: -1 }, 'location.accuracy_m'],
        [{ latitude: 10, longitude: 10, label: 'x'.repeat(201) }, 'location.label'],
        [{ latitude: 10, longitude: 10, extra: 1 }, 'location.extra'],
        ['55.7,37.6', 'location'],
      ];
      for (const [location, field] of cases) {
        const res = await postMessage(t, anna, chat.id, { location }).expect(400);
        expectValidation(res.body, field);
      }
      // NaN and Infinity cannot be written in JSON: a body that tries is refused as a whole.
      await t
        .http()
        .post(`${API}/chats/${chat.id}/messages`)
        .set(anna.auth)
        .set('content-type', 'application/json')
        .send('{"location":{"latitude":NaN,"longitude":1}}')
        .expect(400);
    });

    it('refuses a message with nothing in it', async () => {
      expectValidation((await postMessage(t, anna, chat.id, {}).expect(400)).body, 'content');
    });
  });

  describe('mentions', () => {
    it('counts unread messages that mention the reader, down to 0 once read; a deleted one stops counting', async () => {
      const group = await createChat(t, anna, [boris, vera], { chat_type: 'keeper', title: 'Отлов' });
      expect((await chatView(boris, group.id)).unread_mentions_count).toBe(0);
      const first = await postMessage(t, anna, group.id, {
        content: '@boris едешь?',
        mentions: [boris.id, boris.id],
      }).expect(201);
      expect(first.body.mentions).toEqual([boris.id]);
      await postMessage(t, vera, group.id, { content: 'всем', mentions: [boris.id, anna.id] }).expect(201);
      await send(t, vera, group.id, 'без упоминаний');
      expect((await chatView(boris, group.id)).unread_mentions_count).toBe(2);
      expect((await chatView(vera, group.id)).unread_mentions_count).toBe(0);
      const listed = (await t.http().get(`${API}/chats`).set(boris.auth).expect(200)).body.items as {
        id: number;
        unread_mentions_count: number;
      }[];
      expect(listed.find((c) => c.id === group.id)?.unread_mentions_count).toBe(2);
      await t.http().delete(`${API}/chats/${group.id}/messages/${first.body.id}`).set(anna.auth).expect(204);
      expect((await chatView(boris, group.id)).unread_mentions_count).toBe(1);
      const socket = await connectAs(t, boris);
      const ack = await request(socket, 'chat:read', { chat_id: group.id });
      expect(ack).toEqual({
        ok: true,
        data: { unread_count: 0, unread_mentions_count: 0, last_read_seq: 3 },
      });
      expect((await chatView(boris, group.id)).unread_mentions_count).toBe(0);
    });

    it('refuses mentions of non-members and removed members (400 on mentions), and more than 50', async () => {
      const group = await createChat(t, anna, [boris, vera], { chat_type: 'other', title: 'Кормление' });
      await removeMember(t, group.id, anna, vera);
      const stranger = await registerUser(t, 'stranger');
      for (const mentions of [[stranger.id], [boris.id, vera.id], [2_000_000_000]]) {
        const res = await postMessage(t, anna, group.id, { content: 'эй', mentions }).expect(400);
        expect(res.body.details).toEqual([
          { field: 'mentions', message: 'mentions must be ids of members of this chat' },
        ]);
      }
      const many = Array.from({ length: 51 }, (_, i) => i + 1);
      for (const mentions of [many, ['1'], [0], 'x']) {
        expectValidation(
          (await postMessage(t, anna, group.id, { content: 'эй', mentions }).expect(400)).body,
          'mentions',
        );
      }
      expect((await chatView(boris, group.id)).last_message).toBeNull();
    });
  });

  describe('over the socket', () => {
    it('message:send takes the same fields; the ack, message:new and an idempotent retry carry them', async () => {
      const original = await send(t, boris, chat.id, 'где кот?');
      const [sender, receiver] = [await connectAs(t, anna), await connectAs(t, boris)];
      const arrived = waitForEvent(receiver, 'message:new', 5000, (m) => m.client_message_id === 'loc-1');
      const payload = {
        chat_id: chat.id,
        content: 'тут',
        reply_to_id: original.id,
        location: { latitude: 59.93, longitude: 30.31 },
        mentions: [boris.id],
        client_message_id: 'loc-1',
      };
      const ack = await request(sender, 'message:send', payload);
      expect(ack.ok).toBe(true);
      const message = ack.ok ? ack.data : undefined;
      expect(message).toMatchObject({
        reply_to: { message_id: original.id, content: 'где кот?', deleted: false },
        location: { latitude: 59.93, longitude: 30.31, accuracy_m: null, label: null },
        mentions: [boris.id],
        forwarded_from: null,
      });
      expect(await arrived).toEqual(message);
      const retry = await postMessage(t, anna, chat.id, { ...payload, chat_id: undefined }).expect(200);
      expect(retry.body).toEqual(message);
      const updated = waitForEvent(receiver, 'message:updated');
      await t
        .http()
        .patch(`${API}/chats/${chat.id}/messages/${message!.id}`)
        .set(anna.auth)
        .send({ content: 'тут, у гаражей' })
        .expect(200);
      expect(await updated).toMatchObject({
        content: 'тут, у гаражей',
        reply_to: message!.reply_to,
        location: message!.location,
      });
      const sync = await request(receiver, 'chat:sync', { chat_id: chat.id, after_seq: message!.seq - 1 });
      expect(sync.ok && sync.data.items[0]).toMatchObject({ id: message!.id, mentions: [boris.id] });
    });

    it('refuses a bad reference with 400 on the field', async () => {
      const socket = await connectAs(t, boris);
      const secret = await send(t, anna, vet.id, 'не для бориса');
      for (const [payload, field] of [
        [{ forward_message_id: secret.id }, 'forward_message_id'],
        [{ content: 'x', reply_to_id: secret.id }, 'reply_to_id'],
        [{ content: 'x', mentions: [vera.id] }, 'mentions'],
        [{ location: { latitude: 100, longitude: 0 } }, 'location.latitude'],
      ] as const) {
        const ack = await request(socket, 'message:send', { chat_id: chat.id, ...payload });
        expect(ack).toEqual({
          ok: false,
          error: {
            ...ERROR,
            status: 400,
            code: 'validation_failed',
            details: [expect.objectContaining({ field })],
          },
        });
      }
    });
  });
});
