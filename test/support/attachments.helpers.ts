import request from 'supertest';
import type { DataSource } from 'typeorm';
import type { AttachmentDto } from '../../src/attachments/dto/attachment.dto';
import type { TestApp } from './app.fixture';
import type { TestUser } from './users.helpers';

export interface UploadOptions {
  filename?: string;
  contentType?: string;
  fields?: Record<string, string>;
}

/** POST /attachments with one file part (and the given fields); the raw supertest answer. */
export function upload(t: TestApp, user: TestUser | undefined, bytes: Buffer, options: UploadOptions = {}) {
  let req = t.http().post('/api/v1/attachments');
  if (user) req = req.set(user.auth);
  for (const [name, value] of Object.entries(options.fields ?? {})) req = req.field(name, value);
  return req.attach('file', bytes, {
    filename: options.filename ?? 'upload.bin',
    contentType: options.contentType ?? 'application/octet-stream',
  });
}

export async function uploaded(
  t: TestApp,
  user: TestUser,
  bytes: Buffer,
  options: UploadOptions = {},
): Promise<AttachmentDto> {
  const res = await upload(t, user, bytes, options);
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as AttachmentDto;
}

/** GET of a signed URL with no Authorization header, the body as bytes. */
export function fetchSigned(t: TestApp, url: string, headers: Record<string, string> = {}) {
  return request(t.origin)
    .get(url)
    .set(headers)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
}

/** A signed thumbnail URL (what avatar_url is), with the attachment id it names. */
export const THUMBNAIL_URL =
  /^\/api\/v1\/attachments\/(\d+)\/content\?variant=thumbnail&expires=\d+&signature=[\w-]{43}$/;

/**
 * `value` with every signed URL's expiry and signature blanked: two reads of the same message a
 * second apart sign its URLs with different expiries, which is all they may differ in.
 */
export function withoutSignatures<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value).replace(/&expires=\d+&signature=[\w-]{43}/g, '&expires=…&signature=…'),
  ) as T;
}

/** The attachment id an avatar_url names (NaN when it is not one). */
export const avatarIdOf = (url: string | null | undefined): number =>
  Number(THUMBNAIL_URL.exec(url ?? '')?.[1]);

/** The row's attached/deleted marks, straight from the database; undefined once the row is gone. */
export async function attachmentState(
  db: DataSource,
  id: number,
): Promise<{ attached_at: Date | null; deleted_at: Date | null } | undefined> {
  const rows: { attached_at: Date | null; deleted_at: Date | null }[] = await db.query(
    'SELECT attached_at, deleted_at FROM attachments WHERE id = $1',
    [id],
  );
  return rows[0];
}
