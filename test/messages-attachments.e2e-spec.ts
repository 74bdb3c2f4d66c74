import type { AttachmentDto } from '../src/attachments/dto/attachment.dto';
import { useApp } from './support/app.fixture';
import { fetchSigned, uploaded } from './support/attachments.helpers';
import { ChatBody, createChat } from './support/chats.helpers';
import {
  API,
  expectValidation,
  historyOf,
  MANY_REQUESTS,
  MessageBody,
  postMessage,
} from './support/messages.helpers';
import { pdf, png } from './support/media.fixtures';
import { closeSockets, connectAs, ERROR, request, waitForEvent } from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

/** An attachment of a message: the upload as it was, with fresh signed URLs. */
const asAttached = (upload: AttachmentDto) => ({
  ...upload,
  url: expect.stringMatching(new RegExp(`^/api/v1/attachments/${upload.id}/content\\?variant=original&`)),
  thumbnail_url:
    upload.thumbnail_url === null
      ? null
      : expect.stringMatching(new RegExp(`^/api/v1/attachments/${upload.id}/content\\?variant=thumbnail&`)),
});

describe('messages with attachments (e2e)', () => {
  const t = useApp(MANY_REQUESTS);
  let anna: TestUser;
  let boris: TestUser;
  let chat: ChatBody;

  beforeAll(async () => {
    anna = await registerUser(t, 'anna');
    boris = await registerUser(t, 'boris');
    chat = await createChat(t, anna, [boris]);
  });
  afterEach(closeSockets);

  const photo = () => png(32, 24).then((bytes) => uploaded(t, anna, bytes));
  const file = (user = anna) => uploaded(t, user, pdf());
  const messageCount = async (chatId: number): Promise<number> =>
    (
      await t.db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM messages WHERE chat_id = $1', [
        chatId,
      ])
    )[0].n;

  describe('POST /chats/:chat_id/messages with attachment_ids', () => {
    it('sends the uploads in the given order with no text; the other member reads them', async () => {
      const [image, document] = [await photo(), await file()];
      const res = await postMessage(t, anna, chat.id, { attachment_ids: [document.id, image.id] }).expect(
        201,
      );
      const message = res.body as MessageBody;
      expect(message.content).toBe('');
      expect(message.attachments).toEqual([asAttached(document), asAttached(image)]);
      const served = await fetchSigned(t, message.attachments[1].thumbnail_url!).expect(200);
      expect(served.headers['content-type']).toBe('image/webp');
      const got = await t.http().get(`${API}/attachments/${image.id}`).set(boris.auth).expect(200);
      expect(got.body).toEqual(asAttached(image));
    });

    it('keeps text beside attachments, and [] on a message without', async () => {
      const document = await file();
      const withText = await postMessage(t, anna, chat.id, {
        content: ' справка ',
        attachment_ids: [document.id],
      }).expect(201);
      expect(withText.body).toMatchObject({ content: 'справка', attachments: [asAttached(document)] });
      const blank = await postMessage(t, anna, chat.id, {
        content: '  ',
        attachment_ids: [(await file()).id],
      });
      expect(blank.status).toBe(201);
      expect(blank.body.content).toBe('');
      const text = await postMessage(t, anna, chat.id, { content: 'просто текст' }).expect(201);
      expect(text.body.attachments).toEqual([]);
    });

    it('still wants 1–4000 characters of content without attachments', async () => {
      const before = await messageCount(chat.id);
      for (const body of [
        {},
        { content: '' },
        { content: '   ' },
        { attachment_ids: null },
        { content: null },
      ]) {
        expectValidation((await postMessage(t, anna, chat.id, body).expect(400)).body, 'content');
      }
      expect(await messageCount(chat.id)).toBe(before);
    });

    it('answers 400 on attachment_ids for ids that are not the sender’s own free uploads, sending nothing', async () => {
      const theirs = await file(boris);
      const taken = await file();
      await postMessage(t, anna, chat.id, { attachment_ids: [taken.id] }).expect(201);
      const gone = await file();
      const goneMessage = await postMessage(t, anna, chat.id, { attachment_ids: [gone.id] }).expect(201);
      await t
        .http()
        .delete(`${API}/chats/${chat.id}/messages/${goneMessage.body.id}`)
        .set(anna.auth)
        .expect(204);
      const free = await file();
      const before = await messageCount(chat.id);
      const cases: unknown[] = [
        [theirs.id],
        [taken.id],
        [gone.id],
        [2_000_000_000],
        [free.id, theirs.id],
        [free.id, free.id],
        Array.from({ length: 11 }, (_, i) => free.id + i),
        [],
        ['abc'],
        [1.5],
        [0],
        'x',
        { id: free.id },
      ];
      for (const attachment_ids of cases) {
        const res = await postMessage(t, anna, chat.id, { content: 'x', attachment_ids }).expect(400);
        expectValidation(res.body, 'attachment_ids');
      }
      expect(await messageCount(chat.id)).toBe(before);
      // The free upload was not taken by any refused request.
      await postMessage(t, anna, chat.id, { attachment_ids: [free.id] }).expect(201);
    });

    it('lets exactly one of two concurrent sends take the same upload', async () => {
      const other = await createChat(t, anna, [boris], { chat_type: 'vet' });
      for (let round = 0; round < 5; round++) {
        const contested = await file();
        const answers = await Promise.all([
          postMessage(t, anna, chat.id, { attachment_ids: [contested.id] }),
          postMessage(t, anna, other.id, { attachment_ids: [contested.id] }),
          postMessage(t, anna, chat.id, { attachment_ids: [contested.id] }),
        ]);
        expect(answers.map((res) => res.status).sort()).toEqual([201, 400, 400]);
        const rows = await t.db.query<{ n: number }[]>(
          'SELECT count(*)::int AS n FROM messages m JOIN attachments a ON a.message_id = m.id WHERE a.id = $1',
          [contested.id],
        );
        expect(rows[0].n).toBe(1);
      }
    });

    it('answers a retry with the same client_message_id with the original, never attaching twice', async () => {
      const [first, second] = [await file(), await file()];
      const body = { attachment_ids: [first.id], client_message_id: 'photo-1' };
      const sent = await postMessage(t, anna, chat.id, body).expect(201);
      const again = await postMessage(t, anna, chat.id, body).expect(200);
      expect(again.body).toEqual({ ...sent.body, attachments: [asAttached(first)] });
      const other = await postMessage(t, anna, chat.id, { ...body, attachment_ids: [second.id] }).expect(200);
      expect(other.body.id).toBe(sent.body.id);
      const [row] = await t.db.query<{ message_id: number | null }[]>(
        'SELECT message_id FROM attachments WHERE id = $1',
        [second.id],
      );
      expect(row.message_id).toBeNull();
    });
  });

  describe('reads', () => {
    let message: MessageBody;
    let image: AttachmentDto;

    beforeAll(async () => {
      image = await photo();
      const res = await postMessage(t, anna, chat.id, {
        content: 'рыжий пёс у вокзала',
        attachment_ids: [image.id],
      }).expect(201);
      message = res.body as MessageBody;
      await postMessage(t, boris, chat.id, { content: 'ответ текстом' }).expect(201);
    });

    it('shows attachments in history, search results and sync pages; [] for text messages', async () => {
      const { messagesOf } = historyOf(t);
      const page = (await messagesOf(boris, chat.id, { limit: 2 }).expect(200)).body.items as MessageBody[];
      expect(page.map((m) => m.attachments)).toEqual([[], [asAttached(image)]]);
      const found = (await messagesOf(boris, chat.id, { query: 'рыжий вокзала' }).expect(200)).body
        .items as MessageBody[];
      expect(found).toEqual([{ ...message, attachments: [asAttached(image)] }]);
      const after = (
        await messagesOf(boris, chat.id, { after: message.seq - 1, sort: 'asc', limit: 1 }).expect(200)
      ).body.items as MessageBody[];
      expect(after[0].attachments).toEqual([asAttached(image)]);
      const socket = await connectAs(t, boris);
      const synced = await request(socket, 'chat:sync', { chat_id: chat.id, after_seq: message.seq - 1 });
      expect(synced.ok && synced.data.items[0].attachments).toEqual([asAttached(image)]);
    });

    it('shows them in the chat list’s last_message and in message:updated', async () => {
      const other = await createChat(t, boris, [anna], { chat_type: 'keeper' });
      const sent = await postMessage(t, anna, other.id, { attachment_ids: [(await photo()).id] }).expect(201);
      // URLs are signed at each read: the same attachments, URLs as fresh as the read.
      const expected = { ...sent.body, attachments: (sent.body as MessageBody).attachments.map(asAttached) };
      const list = await t.http().get(`${API}/chats`).set(boris.auth).expect(200);
      const listed = (list.body.items as ChatBody[]).find((c) => c.id === other.id)!;
      expect(listed.last_message).toEqual(expected);
      const one = await t.http().get(`${API}/chats/${other.id}`).set(boris.auth).expect(200);
      expect((one.body as ChatBody).last_message).toEqual(expected);

      const socket = await connectAs(t, boris);
      const updated = waitForEvent(socket, 'message:updated');
      await t
        .http()
        .patch(`${API}/chats/${other.id}/messages/${sent.body.id}`)
        .set(anna.auth)
        .send({ content: 'подпись' })
        .expect(200);
      expect(await updated).toEqual({ ...expected, content: 'подпись', edited_at: expect.any(String) });
    });
  });

  describe('message:send', () => {
    it('takes attachment_ids: the ack and message:new carry the attachments', async () => {
      const image = await photo();
      const [sender, receiver] = [await connectAs(t, anna), await connectAs(t, boris)];
      const arrived = waitForEvent(receiver, 'message:new', 5000, (m) => m.chat_id === chat.id);
      const ack = await request(sender, 'message:send', { chat_id: chat.id, attachment_ids: [image.id] });
      expect(ack.ok).toBe(true);
      const message = ack.ok ? ack.data : undefined;
      expect(message).toMatchObject({ content: '', attachments: [asAttached(image)] });
      expect(await arrived).toEqual(message);
    });

    it('refuses bad attachment_ids with 400 on the field, and content missing without them', async () => {
      const socket = await connectAs(t, anna);
      const theirs = await file(boris);
      for (const payload of [
        { chat_id: chat.id, attachment_ids: [theirs.id] },
        { chat_id: chat.id, attachment_ids: [1, 1] },
        { chat_id: chat.id, content: 'x', attachment_ids: ['1'] },
      ]) {
        const ack = await request(socket, 'message:send', payload);
        expect(ack).toEqual({
          ok: false,
          error: {
            ...ERROR,
            status: 400,
            code: 'validation_failed',
            details: [expect.objectContaining({ field: 'attachment_ids' })],
          },
        });
      }
      const ack = await request(socket, 'message:send', { chat_id: chat.id });
      expect(ack.ok === false && ack.error.details).toEqual([expect.objectContaining({ field: 'content' })]);
    });
  });
});
