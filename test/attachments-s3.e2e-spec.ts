import sharp from 'sharp';
import { AttachmentsSweeper } from '../src/attachments/attachments.sweeper';
import { AttachmentStorage, StoredObjectMissing } from '../src/attachments/storage/attachment.storage';
import { S3Storage } from '../src/attachments/storage/s3.storage';
import { startApp, TestApp } from './support/app.fixture';
import { fetchSigned, uploaded } from './support/attachments.helpers';
import { jpegWithGps, oggOpus } from './support/media.fixtures';
import { PrivateS3, startPrivateS3 } from './support/s3.server';
import { registerUser, TestUser } from './support/users.helpers';

describe('attachments on the S3 driver, against a real S3-protocol server (e2e)', () => {
  let s3: PrivateS3;
  let t: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    s3 = await startPrivateS3('attachments-app');
    t = await startApp(s3.env);
    user = await registerUser(t, 's3');
  });
  afterAll(async () => {
    await t?.close();
    await s3?.stop();
  });

  it('is the configured driver', () => {
    expect(t.app.get(AttachmentStorage)).toBeInstanceOf(S3Storage);
  });

  it('stores a photo in the bucket and serves it and its thumbnail, without EXIF', async () => {
    const a = await uploaded(t, user, await jpegWithGps(400, 200));
    expect(a).toMatchObject({ kind: 'image', width: 200, height: 400 });
    const original = await fetchSigned(t, a.url).expect(200);
    expect((original.body as Buffer).includes(Buffer.from('Exif'))).toBe(false);
    const thumb = await sharp((await fetchSigned(t, a.thumbnail_url!).expect(200)).body as Buffer).metadata();
    expect([thumb.format, thumb.width, thumb.height]).toEqual(['webp', 160, 320]);
    const keys: string[] = [];
    for await (const object of t.app.get(AttachmentStorage).list('attachments/')) keys.push(object.key);
    expect(keys).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/original$/), expect.stringMatching(/\/thumbnail$/)]),
    );
  });

  it('serves a voice message by range from the bucket', async () => {
    const bytes = oggOpus(4);
    const a = await uploaded(t, user, bytes, { fields: { waveform: '[0.2,0.4]' } });
    const part = await fetchSigned(t, a.url, { Range: 'bytes=100-199' }).expect(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${bytes.length}`);
    expect((part.body as Buffer).equals(bytes.subarray(100, 200))).toBe(true);
  });

  it('sweeps stale uploads out of the bucket', async () => {
    const a = await uploaded(t, user, oggOpus(1));
    await t.db.query(`UPDATE attachments SET created_at = now() - interval '2 days' WHERE id = $1`, [a.id]);
    const [{ key }] = await t.db.query<{ key: string }[]>(
      'SELECT storage_key AS key FROM attachments WHERE id = $1',
      [a.id],
    );
    (await t.app.get(AttachmentStorage).get(key)).destroy();
    await t.app.get(AttachmentsSweeper).sweep();
    expect((await fetchSigned(t, a.url)).status).toBe(404);
    await expect(t.app.get(AttachmentStorage).get(key)).rejects.toBeInstanceOf(StoredObjectMissing);
  });
});
