import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { AttachmentsSweeper } from '../src/attachments/attachments.sweeper';
import type { AttachmentDto } from '../src/attachments/dto/attachment.dto';
import { AttachmentStorage, StoredObjectMissing } from '../src/attachments/storage/attachment.storage';
import { useApp } from './support/app.fixture';
import { fetchSigned, upload, uploaded } from './support/attachments.helpers';
import { createChat, Roles } from './support/chats.helpers';
import { expectErrorShape } from './support/errors.helpers';
import { API, chatWithRoles, MANY_REQUESTS, MessageBody, postMessage } from './support/messages.helpers';
import { jpegWithGps, pdf, png } from './support/media.fixtures';
import { closeSockets, connectAs, waitForEvent } from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

const GRACE_SECONDS = 3600;

/**
 * Who reads an attachment sent in a chat, and what deleting its message, leaving the chat or
 * deleting the chat does to its URLs and, after the grace period, to its bytes.
 */
describe('attachments of chat messages: access and removal (e2e)', () => {
  // A storage folder of its own: the sweep lists the whole storage.
  const dir = join(tmpdir(), `msg-attachments-${randomUUID()}`);
  const t = useApp({
    ...MANY_REQUESTS,
    STORAGE_DIR: dir,
    ATTACHMENT_DELETED_GRACE_SECONDS: String(GRACE_SECONDS),
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  afterEach(closeSockets);

  const read = (user: TestUser | undefined, id: number) => {
    const req = t.http().get(`${API}/attachments/${id}`);
    return user ? req.set(user.auth) : req;
  };

  /** `sender` uploads a photo and sends it in the chat: the attachment as the message shows it. */
  async function sendPhoto(
    sender: TestUser,
    chatId: number,
  ): Promise<{ message: MessageBody; photo: AttachmentDto }> {
    const photo = await uploaded(t, sender, await png(40, 30));
    const res = await postMessage(t, sender, chatId, { attachment_ids: [photo.id] }).expect(201);
    const message = res.body as MessageBody;
    return { message, photo: message.attachments[0] };
  }

  const keysOf = async (id: number) =>
    (
      await t.db.query<{ storage_key: string; thumbnail_key: string }[]>(
        'SELECT storage_key, thumbnail_key FROM attachments WHERE id = $1',
        [id],
      )
    )[0];

  const stored = async (key: string): Promise<boolean> => {
    try {
      (await t.app.get(AttachmentStorage).get(key)).destroy();
      return true;
    } catch (error) {
      if (error instanceof StoredObjectMissing) return false;
      throw error;
    }
  };

  /** Fresh URLs refused (404 for everyone, the uploader too), and the URLs given before refused too. */
  async function expectGone(photo: AttachmentDto, readers: TestUser[]): Promise<void> {
    for (const reader of readers)
      expectErrorShape((await read(reader, photo.id).expect(404)).body, 404, 'not_found');
    for (const url of [photo.url, photo.thumbnail_url!]) {
      const served = await fetchSigned(t, url).expect(404);
      expectErrorShape(JSON.parse((served.body as Buffer).toString('utf8')), 404, 'not_found');
    }
  }

  /** Bytes kept within the grace period, removed by the sweep after it. */
  async function expectSweptAfterGrace(id: number): Promise<void> {
    const keys = await keysOf(id);
    const sweeper = t.app.get(AttachmentsSweeper);
    await sweeper.sweep(new Date(Date.now() + (GRACE_SECONDS / 2) * 1000));
    expect(await stored(keys.storage_key)).toBe(true);
    expect(await stored(keys.thumbnail_key)).toBe(true);
    await sweeper.sweep(new Date(Date.now() + (GRACE_SECONDS + 60) * 1000));
    expect(await stored(keys.storage_key)).toBe(false);
    expect(await stored(keys.thumbnail_key)).toBe(false);
    expect(await t.db.query('SELECT id FROM attachments WHERE id = $1', [id])).toEqual([]);
  }

  describe('GET /attachments/:attachment_id of a photo sent in a chat', () => {
    let r: Roles;
    let photo: AttachmentDto;

    beforeAll(async () => {
      r = await chatWithRoles(t);
      // Sent by the admin: the owner and the plain member read it as members, the admin as uploader.
      ({ photo } = await sendPhoto(r.admin, r.chat.id));
    });

    it.each([
      ['anonymous', 401, undefined],
      ['a stranger', 403, 'stranger'],
      ['a removed member', 403, 'removed'],
      ['a plain member', 200, 'member'],
      ['the uploader (an admin)', 200, 'admin'],
      ['the owner', 200, 'owner'],
    ] as const)('answers %s %i', async (_, status, role) => {
      const res = await read(role && r[role], photo.id).expect(status);
      if (status !== 200) return expectErrorShape(res.body, status);
      expect(res.body).toEqual({
        ...photo,
        url: expect.stringMatching(/variant=original&expires=\d+&signature=/),
        thumbnail_url: expect.stringMatching(/variant=thumbnail&expires=\d+&signature=/),
      });
      await fetchSigned(t, (res.body as AttachmentDto).thumbnail_url!).expect(200);
    });

    it('refuses fresh URLs to a member who left, and to one removed after the photo was sent', async () => {
      const [leaver, dropped] = [await registerUser(t, 'leaver'), await registerUser(t, 'dropped')];
      const chat = await createChat(t, r.owner, [leaver, dropped]);
      const { photo: sent } = await sendPhoto(r.owner, chat.id);
      await read(leaver, sent.id).expect(200);
      await t.http().delete(`${API}/chats/${chat.id}/members/${leaver.id}`).set(leaver.auth).expect(204);
      await t.http().delete(`${API}/chats/${chat.id}/members/${dropped.id}`).set(r.owner.auth).expect(204);
      for (const user of [leaver, dropped])
        expectErrorShape((await read(user, sent.id).expect(403)).body, 403);
      await read(r.owner, sent.id).expect(200);
    });

    it('lets the uploader, and nobody else, read an upload not sent yet', async () => {
      const draft = await uploaded(t, r.member, pdf());
      await read(r.member, draft.id).expect(200);
      for (const role of ['owner', 'admin', 'stranger'] as const) await read(r[role], draft.id).expect(403);
    });
  });

  it('refuses every URL once the message is deleted, and removes the bytes after the grace period', async () => {
    const [anna, boris] = [await registerUser(t, 'anna'), await registerUser(t, 'boris')];
    const chat = await createChat(t, anna, [boris]);
    const { message, photo } = await sendPhoto(anna, chat.id);
    await fetchSigned(t, photo.url).expect(200);
    await t.http().delete(`${API}/chats/${chat.id}/messages/${message.id}`).set(boris.auth).expect(403);
    await t.http().delete(`${API}/chats/${chat.id}/messages/${message.id}`).set(anna.auth).expect(204);
    await expectGone(photo, [anna, boris]);
    // Its quota is free again, and it cannot be sent again.
    const res = await postMessage(t, anna, chat.id, { attachment_ids: [photo.id] }).expect(400);
    expectErrorShape(res.body, 400, 'validation_failed');
    await expectSweptAfterGrace(photo.id);
  });

  it('refuses every URL once the chat is deleted, and removes the bytes after the grace period', async () => {
    const [anna, boris] = [await registerUser(t, 'anna'), await registerUser(t, 'boris')];
    const chat = await createChat(t, anna, [boris]);
    const { photo } = await sendPhoto(boris, chat.id);
    const text = await postMessage(t, anna, chat.id, { content: 'текст рядом' }).expect(201);
    await t.http().delete(`${API}/chats/${chat.id}`).set(anna.auth).expect(204);
    await expectGone(photo, [anna, boris]);
    expect(text.body.attachments).toEqual([]);
    await expectSweptAfterGrace(photo.id);
  });

  it('done when: a photo sent by one member reaches the other as a WebP thumbnail within a second, no EXIF', async () => {
    const [anna, boris] = [await registerUser(t, 'anna'), await registerUser(t, 'boris')];
    const chat = await createChat(t, anna, [boris]);
    const original = await jpegWithGps(1600, 1200);
    const receiver = await connectAs(t, boris);

    const started = performance.now();
    const arrived = waitForEvent(receiver, 'message:new', 5000, (m) => m.chat_id === chat.id);
    const uploadedPhoto = (await upload(t, anna, original, { filename: 'dog.jpg' }).expect(201))
      .body as AttachmentDto;
    await postMessage(t, anna, chat.id, { attachment_ids: [uploadedPhoto.id] }).expect(201);
    const message = await arrived;
    const thumbnail = await fetchSigned(t, message.attachments[0].thumbnail_url!).expect(200);
    const elapsed = performance.now() - started;

    expect(elapsed).toBeLessThan(1000);
    expect(thumbnail.headers['content-type']).toBe('image/webp');
    const bytes = thumbnail.body as Buffer;
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe('webp');
    // Orientation 6 applied: the 1600×1200 photo stands upright, 240×320.
    expect([meta.width, meta.height]).toEqual([240, 320]);
    expect(meta.exif).toBeUndefined();
    const full = (await fetchSigned(t, message.attachments[0].url).expect(200)).body as Buffer;
    for (const served of [bytes, full]) {
      for (const needle of ['Exif', 'LeakyCam', 'foster home', 'GPS']) {
        expect(served.includes(Buffer.from(needle))).toBe(false);
      }
    }
  });
});
