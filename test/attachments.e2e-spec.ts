import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio, thumbHashToAverageRGBA } from 'thumbhash';
import { AttachmentUrlSigner, EXPIRY_STEP_SECONDS } from '../src/attachments/attachment-urls.signer';
import type { AttachmentDto } from '../src/attachments/dto/attachment.dto';
import { useApp } from './support/app.fixture';
import { fetchSigned, upload, uploaded } from './support/attachments.helpers';
import { expectErrorShape } from './support/errors.helpers';
import {
  animatedGif,
  elfExecutable,
  jpegWithGps,
  oggOpus,
  pdf,
  png,
  pngHeader,
  webp,
} from './support/media.fixtures';
import { registerUser, TestUser } from './support/users.helpers';

const ATTACHMENT_KEYS = [
  'created_at',
  'duration_ms',
  'height',
  'id',
  'kind',
  'mime_type',
  'name',
  'placeholder',
  'size_bytes',
  'thumbnail_url',
  'url',
  'waveform',
  'width',
];

describe('attachments: upload, read, signed content (e2e)', () => {
  const t = useApp();
  let anna: TestUser;
  let boris: TestUser;

  beforeAll(async () => {
    anna = await registerUser(t, 'anna');
    boris = await registerUser(t, 'boris');
  });

  describe('images', () => {
    it('re-encodes a JPEG with its orientation applied and not one byte of EXIF, GPS or XMP', async () => {
      const original = await jpegWithGps(40, 20);
      expect(original.includes(Buffer.from('LeakyCam'))).toBe(true);
      const res = await upload(t, anna, original, { filename: 'dog.jpg', contentType: 'image/jpeg' }).expect(
        201,
      );
      const a = res.body as AttachmentDto;
      expect(Object.keys(a).sort()).toEqual(ATTACHMENT_KEYS);
      expect(a).toMatchObject({
        kind: 'image',
        mime_type: 'image/jpeg',
        name: 'dog.jpg',
        width: 20,
        height: 40,
        duration_ms: null,
        waveform: null,
      });
      expect(a.url).toMatch(
        new RegExp(`^/api/v1/attachments/${a.id}/content\\?variant=original&expires=\\d+&signature=`),
      );
      expect(a.thumbnail_url).toMatch(/variant=thumbnail/);

      for (const url of [a.url, a.thumbnail_url!]) {
        const served = await fetchSigned(t, url).expect(200);
        expect(served.headers['x-content-type-options']).toBe('nosniff');
        const bytes = served.body as Buffer;
        for (const needle of [
          'Exif',
          'LeakyCam',
          'foster home',
          'GPS',
          'http://ns.adobe.com/xap',
          'ICC_PROFILE',
        ]) {
          expect(bytes.includes(Buffer.from(needle))).toBe(false);
        }
        const meta = await sharp(bytes).metadata();
        expect(meta.exif).toBeUndefined();
        expect(meta.xmp).toBeUndefined();
        expect(meta.icc).toBeUndefined();
      }
      const served = await fetchSigned(t, a.url).expect(200);
      expect(served.headers['content-type']).toBe('image/jpeg');
      expect(served.headers['content-disposition']).toBe(
        `inline; filename="dog.jpg"; filename*=UTF-8''dog.jpg`,
      );
      expect(Number(served.headers['content-length'])).toBe(a.size_bytes);
      const meta = await sharp(served.body as Buffer).metadata();
      expect([meta.format, meta.width, meta.height, meta.orientation]).toEqual(['jpeg', 20, 40, undefined]);
    });

    it('makes a WebP thumbnail of at most 320 px on the longer side', async () => {
      const a = await uploaded(t, anna, await png(1000, 500));
      expect(a).toMatchObject({ kind: 'image', mime_type: 'image/png', width: 1000, height: 500 });
      const thumb = await fetchSigned(t, a.thumbnail_url!).expect(200);
      expect(thumb.headers['content-type']).toBe('image/webp');
      const meta = await sharp(thumb.body as Buffer).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['webp', 320, 160]);
      // The placeholder is a ThumbHash of the picture: it decodes back to its aspect and colour.
      const hash = Buffer.from(a.placeholder!, 'base64');
      expect(hash.length).toBeLessThanOrEqual(25);
      expect(thumbHashToApproximateAspectRatio(hash)).toBeCloseTo(2, 0);
      const { r, g, b } = thumbHashToAverageRGBA(hash);
      expect(b).toBeGreaterThan(r);
      expect(b).toBeGreaterThan(g);

      const small = await uploaded(t, anna, await webp(100, 60));
      expect(small).toMatchObject({ mime_type: 'image/webp', width: 100, height: 60 });
      const smallThumb = await sharp(
        (await fetchSigned(t, small.thumbnail_url!).expect(200)).body as Buffer,
      ).metadata();
      expect([smallThumb.width, smallThumb.height]).toEqual([100, 60]);
    });

    it('keeps the animation of a GIF', async () => {
      const a = await uploaded(t, anna, await animatedGif(), { filename: 'wag.gif' });
      expect(a).toMatchObject({ kind: 'image', mime_type: 'image/gif', width: 16, height: 16 });
      const served = await fetchSigned(t, a.url).expect(200);
      const meta = await sharp(served.body as Buffer, { animated: true }).metadata();
      expect([meta.format, meta.pages]).toEqual(['gif', 3]);
    });

    it('reads the type from the bytes, never from the name or the declared type', async () => {
      const a = await uploaded(t, anna, await png(10, 10), {
        filename: 'report.pdf',
        contentType: 'application/pdf',
      });
      expect(a).toMatchObject({ kind: 'image', mime_type: 'image/png', name: 'report.pdf' });
    });

    it('accepts an HEVC-coded HEIC (as iPhones write) and serves it as JPEG', async () => {
      const heic = readFileSync(join(__dirname, 'fixtures/hevc-64x48.heic'));
      // The reason for heic-decode: sharp's own libheif has no HEVC decoder.
      await expect(sharp(heic).raw().toBuffer()).rejects.toThrow(/HEVC/);
      const a = await uploaded(t, anna, heic, { filename: 'IMG_0001.HEIC', contentType: 'image/heic' });
      expect(a).toMatchObject({ kind: 'image', mime_type: 'image/jpeg', width: 64, height: 48 });
      const served = await fetchSigned(t, a.url).expect(200);
      expect(served.headers['content-type']).toBe('image/jpeg');
      const { data, info } = await sharp(served.body as Buffer)
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([64, 48]);
      const pixel = (x: number, y: number) => [...data.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3)];
      const [r1, , b1] = pixel(8, 8);
      const [r2, , b2] = pixel(56, 40);
      expect(b1).toBeGreaterThan(r1); // the blue quarter
      expect(r2).toBeGreaterThan(b2); // the orange rest
      const thumb = await sharp(
        (await fetchSigned(t, a.thumbnail_url!).expect(200)).body as Buffer,
      ).metadata();
      expect([thumb.format, thumb.width, thumb.height]).toEqual(['webp', 64, 48]);

      const cut = await upload(t, anna, heic.subarray(0, 600), { filename: 'cut.heic' });
      expect(cut.status).toBe(400);
      expectErrorShape(cut.body, 400, 'invalid_file');
    });

    it('refuses a decompression bomb (a 60000×60000 PNG header) in well under a second', async () => {
      const started = performance.now();
      const res = await upload(t, anna, pngHeader(60_000, 60_000), { filename: 'bomb.png' });
      const elapsed = performance.now() - started;
      expect(res.status).toBe(413);
      expectErrorShape(res.body, 413, 'payload_too_large');
      expect(res.body.details).toMatchObject({ limit: 'pixels', max_pixels: 50_000_000 });
      expect(elapsed).toBeLessThan(1000);
    });
  });

  describe('hostile and broken files', () => {
    it('refuses an executable named .jpg, and text, with 415', async () => {
      for (const bytes of [elfExecutable(), Buffer.from('just some text, not a photo')]) {
        const res = await upload(t, anna, bytes, { filename: 'photo.jpg', contentType: 'image/jpeg' });
        expect(res.status).toBe(415);
        expectErrorShape(res.body, 415, 'unsupported_media_type');
      }
    });

    it('refuses an empty file and a truncated image with 400 invalid_file', async () => {
      const empty = await upload(t, anna, Buffer.alloc(0), { filename: 'empty.jpg' });
      expect(empty.status).toBe(400);
      expectErrorShape(empty.body, 400, 'invalid_file');

      const whole = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#888' } })
        .jpeg()
        .toBuffer();
      const truncated = await upload(t, anna, whole.subarray(0, Math.floor(whole.length / 2)), {
        filename: 'cut.jpg',
      });
      expect(truncated.status).toBe(400);
      expectErrorShape(truncated.body, 400, 'invalid_file');
    });

    it('refuses a body that is not one multipart file', async () => {
      const json = await t.http().post('/api/v1/attachments').set(anna.auth).send({ file: 'x' });
      expectErrorShape(json.body, 400, 'validation_failed');

      const noFile = await t.http().post('/api/v1/attachments').set(anna.auth).field('kind', 'image');
      expectErrorShape(noFile.body, 400, 'validation_failed');
      expect(noFile.body.details).toEqual([{ field: 'file', message: 'is required' }]);

      const unknown = await upload(t, anna, await png(4, 4), { fields: { caption: 'x' } });
      expectErrorShape(unknown.body, 400, 'validation_failed');
      expect(unknown.body.details[0].field).toBe('caption');

      const two = await t
        .http()
        .post('/api/v1/attachments')
        .set(anna.auth)
        .attach('file', await png(4, 4), 'a.png')
        .attach('file', await png(4, 4), 'b.png');
      expectErrorShape(two.body, 400, 'validation_failed');
    });

    it('checks kind and waveform against the content', async () => {
      const mismatch = await upload(t, anna, await png(4, 4), { fields: { kind: 'voice' } });
      expectErrorShape(mismatch.body, 400, 'validation_failed');
      expect(mismatch.body.details[0].field).toBe('kind');

      const badKind = await upload(t, anna, await png(4, 4), { fields: { kind: 'video' } });
      expect(badKind.body.details[0].field).toBe('kind');

      const onImage = await upload(t, anna, await png(4, 4), { fields: { waveform: '[0.5]' } });
      expectErrorShape(onImage.body, 400, 'validation_failed');
      expect(onImage.body.details[0].field).toBe('waveform');

      const tooMany = JSON.stringify(Array.from({ length: 129 }, () => 0.5));
      for (const waveform of ['not json', '[1.5]', '[-0.1]', '{"a":1}', '["0.5"]', tooMany]) {
        const res = await upload(t, anna, oggOpus(2), { fields: { waveform } });
        expectErrorShape(res.body, 400, 'validation_failed');
        expect(res.body.details[0].field).toBe('waveform');
      }
    });

    it('stores a sanitised name', async () => {
      const a = await uploaded(t, anna, pdf(), { filename: '../../etc/evil<name>.pdf' });
      expect(a.name).toBe('evilname.pdf');
    });
  });

  describe('voice and files', () => {
    it('reads the duration of an Ogg/Opus voice message and keeps the client waveform', async () => {
      const waveform = [0, 0.25, 0.5, 1];
      const a = await uploaded(t, anna, oggOpus(5), {
        fields: { kind: 'voice', waveform: JSON.stringify(waveform) },
      });
      expect(a).toMatchObject({
        kind: 'voice',
        mime_type: 'audio/ogg',
        duration_ms: 5000,
        waveform,
        placeholder: null,
        width: null,
        height: null,
        thumbnail_url: null,
      });
    });

    it('serves voice with Range: 206 for a range, 416 past the end', async () => {
      const bytes = oggOpus(3);
      const a = await uploaded(t, anna, bytes);
      const whole = await fetchSigned(t, a.url).expect(200);
      expect(whole.headers['accept-ranges']).toBe('bytes');
      expect((whole.body as Buffer).equals(bytes)).toBe(true);

      const part = await fetchSigned(t, a.url, { Range: 'bytes=10-19' }).expect(206);
      expect(part.headers['content-range']).toBe(`bytes 10-19/${bytes.length}`);
      expect(part.headers['content-type']).toBe('audio/ogg');
      expect((part.body as Buffer).equals(bytes.subarray(10, 20))).toBe(true);

      const tail = await fetchSigned(t, a.url, { Range: 'bytes=-5' }).expect(206);
      expect((tail.body as Buffer).equals(bytes.subarray(bytes.length - 5))).toBe(true);

      const past = await fetchSigned(t, a.url, { Range: `bytes=${bytes.length}-` }).expect(416);
      expect(past.headers['content-range']).toBe(`bytes */${bytes.length}`);
      expectErrorShape(JSON.parse((past.body as Buffer).toString('utf8')), 416, 'range_not_satisfiable');
    });

    it('refuses voice longer than 15 minutes with 413', async () => {
      const res = await upload(t, anna, oggOpus(15 * 60 + 1));
      expectErrorShape(res.body, 413, 'payload_too_large');
      expect(res.body.details).toMatchObject({ limit: 'duration', max_duration_ms: 900_000 });
      await uploaded(t, anna, oggOpus(15 * 60));
    });

    it('serves a PDF as a download', async () => {
      const a = await uploaded(t, anna, pdf(), { filename: 'vaccination record.pdf' });
      expect(a).toMatchObject({
        kind: 'file',
        mime_type: 'application/pdf',
        thumbnail_url: null,
        width: null,
      });
      const served = await fetchSigned(t, a.url).expect(200);
      expect(served.headers['content-type']).toBe('application/pdf');
      expect(served.headers['content-disposition']).toMatch(/^attachment; filename="vaccination record.pdf"/);
      expect(served.headers['x-content-type-options']).toBe('nosniff');
      expect((served.body as Buffer).equals(pdf())).toBe(true);
    });
  });

  describe('reading and signed URLs', () => {
    let a: AttachmentDto;

    beforeAll(async () => {
      a = await uploaded(t, anna, await png(30, 30));
    });

    it('gives the uploader the attachment with fresh URLs; others 403, unknown 404, anonymous 401', async () => {
      const res = await t.http().get(`/api/v1/attachments/${a.id}`).set(anna.auth).expect(200);
      expect(res.body).toMatchObject({ id: a.id, kind: 'image', width: 30 });
      await fetchSigned(t, (res.body as AttachmentDto).url).expect(200);

      expectErrorShape(
        (await t.http().get(`/api/v1/attachments/${a.id}`).set(boris.auth)).body,
        403,
        'forbidden',
      );
      expectErrorShape(
        (await t.http().get('/api/v1/attachments/2147483647').set(anna.auth)).body,
        404,
        'not_found',
      );
      expectErrorShape((await t.http().get(`/api/v1/attachments/${a.id}`)).body, 401);
      expectErrorShape(
        (await t.http().get('/api/v1/attachments/abc').set(anna.auth)).body,
        400,
        'validation_failed',
      );
    });

    it('answers a deleted attachment 404, by REST and by its URL', async () => {
      const doomed = await uploaded(t, anna, await png(8, 8));
      await t.db.query('UPDATE attachments SET deleted_at = now() WHERE id = $1', [doomed.id]);
      expectErrorShape((await t.http().get(`/api/v1/attachments/${doomed.id}`).set(anna.auth)).body, 404);
      expectErrorShape(JSON.parse((await fetchSigned(t, doomed.url).expect(404)).body.toString()), 404);
    });

    it('refuses a forged, tampered, expired or missing signature with 403, before reading anything', async () => {
      const url = new URL(a.url, t.origin);
      const forged = (mutate: (params: URLSearchParams) => void, path = url.pathname) => {
        const params = new URLSearchParams(url.search);
        mutate(params);
        return `${path}?${params.toString()}`;
      };
      const signature = url.searchParams.get('signature')!;
      const attempts = [
        forged((p) => p.set('signature', (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1))),
        forged((p) => p.set('variant', 'thumbnail')),
        forged((p) => p.set('expires', String(Number(p.get('expires')) + 86_400))),
        forged((p) => p.delete('signature')),
        forged(() => undefined, `/api/v1/attachments/${a.id + 100_000}/content`),
        `/api/v1/attachments/${a.id}/content`,
      ];
      for (const attempt of attempts) {
        const res = await fetchSigned(t, attempt);
        expect(res.status).toBe(403);
        expectErrorShape(JSON.parse((res.body as Buffer).toString('utf8')), 403, 'forbidden');
      }

      const signer = t.app.get(AttachmentUrlSigner);
      // Signed longer ago than the TTL and the minute its expiry is rounded up to.
      const expired = signer.url(
        a.id,
        'original',
        Date.now() - (t.config.attachments.urlTtlSeconds + EXPIRY_STEP_SECONDS + 1) * 1000,
      );
      expect((await fetchSigned(t, expired)).status).toBe(403);
      const stillValid = signer.url(
        a.id,
        'original',
        Date.now() - (t.config.attachments.urlTtlSeconds - 30) * 1000,
      );
      expect((await fetchSigned(t, stillValid)).status).toBe(200);
    });

    it('signs URLs valid for at least 10 minutes', () => {
      const expires = Number(new URL(a.url, t.origin).searchParams.get('expires'));
      expect(expires * 1000 - Date.now()).toBeGreaterThanOrEqual(10 * 60 * 1000 - 5000);
    });
  });
});

describe('attachments: limits and quota (e2e)', () => {
  const t = useApp({
    ATTACHMENT_FILE_MAX_BYTES: '2000',
    ATTACHMENT_IMAGE_MAX_BYTES: '100000',
    ATTACHMENT_VOICE_MAX_BYTES: '100000',
    ATTACHMENT_IMAGE_MAX_PIXELS: '10000',
    ATTACHMENT_USER_QUOTA_BYTES: '5000',
  });
  let user: TestUser;

  beforeAll(async () => {
    user = await registerUser(t, 'quota');
  });

  it('refuses a file past its kind limit with 413, and an image past the pixel limit', async () => {
    const big = await upload(t, user, pdf(2001));
    expectErrorShape(big.body, 413, 'payload_too_large');
    expect(big.body.details).toMatchObject({ limit: 'bytes', max_bytes: 2000 });
    await uploaded(t, user, pdf(2000));

    const wide = await upload(t, user, await png(101, 100));
    expectErrorShape(wide.body, 413, 'payload_too_large');
    expect(wide.body.details).toMatchObject({ limit: 'pixels', max_pixels: 10_000 });
  });

  it('stops reading a body past the largest limit', async () => {
    const res = await upload(t, user, Buffer.alloc(300_000, 1));
    expectErrorShape(res.body, 413, 'payload_too_large');
  });

  it('refuses an upload past the storage quota with 409 limit_exceeded, and stores nothing of it', async () => {
    const other = await registerUser(t, 'quota');
    await uploaded(t, other, pdf(2000));
    await uploaded(t, other, pdf(2000));
    const res = await upload(t, other, pdf(2000));
    expectErrorShape(res.body, 409, 'limit_exceeded');
    expect(res.body.details).toMatchObject({ limit: 'storage_quota', quota_bytes: 5000 });
    const [{ count }] = await t.db.query<{ count: number }[]>(
      'SELECT count(*)::int AS count FROM attachments WHERE uploader_id = $1',
      [other.id],
    );
    expect(count).toBe(2);
    // Quota is per user: someone else still has room.
    await uploaded(t, user, pdf(1000));
  });
});
