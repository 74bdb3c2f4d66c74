import busboy from 'busboy';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError, InvalidFile, PayloadTooLarge, ValidationFailed } from '../common/errors/domain.errors';

/** The one file of an upload, on disk, and the text fields beside it. */
export interface UploadedFile {
  /** A temporary file; the caller removes it with {@link discard}. */
  path: string;
  size: number;
  /** The file name the client gave, unchecked (see sanitizeFileName). */
  filename: string | undefined;
  fields: Record<string, string>;
  discard(): Promise<void>;
}

export interface UploadLimits {
  maxBytes: number;
  /** The field names allowed besides `file`. */
  fields: readonly string[];
  /** Bytes of one text field. */
  maxFieldBytes: number;
}

const UPLOAD_DIR = join(tmpdir(), 'rescue-chat-uploads');

/** Counts the bytes that pass; past the limit it fails the pipeline (and so the write). */
function byteCounter(maxBytes: number, counted: (n: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      counted(total);
      if (total > maxBytes)
        done(
          new PayloadTooLarge(`The file is larger than ${maxBytes} bytes`, {
            limit: 'bytes',
            max_bytes: maxBytes,
          }),
        );
      else done(null, chunk);
    },
  });
}

/**
 * Reads a multipart/form-data request with exactly one part named `file`, streaming that part to
 * a temporary file (memory stays flat whatever its size) and keeping the few text fields. Refuses
 * the request as soon as the file passes `maxBytes` (413), a part is unknown or repeated (400),
 * or the body ends early (400 invalid_file).
 */
export async function readUpload(req: IncomingMessage, limits: UploadLimits): Promise<UploadedFile> {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(contentType)) {
    throw ValidationFailed.field('file', 'the body must be multipart/form-data with one part named file');
  }
  await mkdir(UPLOAD_DIR, { recursive: true, mode: 0o700 });
  const path = join(UPLOAD_DIR, randomBytes(12).toString('hex'));
  const discard = () => rm(path, { force: true });
  const fields: Record<string, string> = {};
  let filename: string | undefined;
  let size = 0;
  let fileWrite: Promise<void> | undefined;
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      limits: {
        // Bounds on the parser's work; which parts are allowed is checked by name below.
        files: 1,
        fields: 8,
        parts: 10,
        fieldSize: limits.maxFieldBytes,
        fieldNameSize: 64,
        headerPairs: 20,
      },
    });
  } catch {
    throw ValidationFailed.field('file', 'the body must be multipart/form-data with one part named file');
  }

  const finished = new Promise<void>((resolve, reject) => {
    const fail = (error: unknown) => {
      req.unpipe(parser);
      // Nothing more of this body is wanted; let it drain so the answer can be sent.
      req.resume();
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || fileWrite) {
        stream.resume();
        fail(ValidationFailed.field(name, name === 'file' ? 'only one file per upload' : 'unknown part'));
        return;
      }
      filename = info.filename;
      fileWrite = pipeline(
        stream,
        byteCounter(limits.maxBytes, (n) => (size = n)),
        createWriteStream(path, { flags: 'wx', mode: 0o600 }),
      );
      fileWrite.catch(fail);
    });
    parser.on('field', (name, value, info) => {
      if (!limits.fields.includes(name) || name in fields) {
        fail(ValidationFailed.field(name, name in fields ? 'given twice' : 'is not a field of this upload'));
      } else if (info.valueTruncated) {
        fail(ValidationFailed.field(name, `must be at most ${limits.maxFieldBytes} bytes`));
      } else {
        fields[name] = value;
      }
    });
    parser.on('filesLimit', () => fail(ValidationFailed.field('file', 'only one file per upload')));
    parser.on('fieldsLimit', () => fail(ValidationFailed.field('file', 'too many fields')));
    parser.on('partsLimit', () => fail(ValidationFailed.field('file', 'too many parts')));
    parser.on('error', () => fail(new InvalidFile('The multipart body is malformed or ends early')));
    parser.on('close', () => {
      if (!fileWrite) fail(ValidationFailed.field('file', 'is required'));
      else fileWrite.then(resolve, fail);
    });
    req.on('aborted', () => fail(new InvalidFile('The upload was interrupted')));
    req.pipe(parser);
  });

  try {
    await finished;
  } catch (error) {
    await fileWrite?.catch(() => undefined);
    await discard();
    throw error instanceof DomainError
      ? error
      : new InvalidFile('The multipart body is malformed or ends early');
  }
  if (size === 0) {
    await discard();
    throw new InvalidFile('The file is empty');
  }
  return { path, size, filename, fields, discard };
}

/** The client's file name made safe to store and show: no path, no control characters, ≤ 255. */
export function sanitizeFileName(name: string | undefined): string | null {
  if (!name) return null;
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '')
    .normalize('NFC')
    .trim()
    .replace(/^\.+/, '');
  // varchar(255) counts characters (code points): cut there, never inside a surrogate pair.
  return clean ? Array.from(clean).slice(0, 255).join('') : null;
}
