import type { TokenManager } from './auth.ts';
import { type Attachment, type ChatApiError, toApiError } from './types.ts';

export interface UploadProgress {
  /** Bytes of the request body sent so far. */
  loaded: number;
  /** The body's size, when known (always for a Blob or bytes). */
  total: number | null;
}

/**
 * What to upload: a Blob or File (browsers and Node), bytes, or (Node) a stream with its size
 * when known. Only a Blob or bytes can be sent again after a 401.
 */
export type UploadSource =
  | Blob
  | Uint8Array
  | {
      stream: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;
      size?: number;
      name?: string;
      type?: string;
    };

export interface UploadOptions {
  /** `image`, `voice` or `file`; the service reads the type from the content either way. */
  kind?: 'image' | 'voice' | 'file';
  /** Voice only: at most 128 numbers in 0–1. */
  waveform?: number[];
  /** The file name (a File's own name by default). */
  name?: string;
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
}

interface Prepared {
  fields: [string, string][];
  name: string;
  type: string;
}

function prepare(source: UploadSource, options: UploadOptions): Prepared {
  const fields: [string, string][] = [];
  if (options.kind) fields.push(['kind', options.kind]);
  if (options.waveform) fields.push(['waveform', JSON.stringify(options.waveform)]);
  const named = source as { name?: unknown; type?: unknown };
  const name = options.name ?? (typeof named.name === 'string' && named.name ? named.name : 'upload');
  const type = typeof named.type === 'string' && named.type ? named.type : 'application/octet-stream';
  return { fields, name, type };
}

/**
 * POST /api/v1/attachments with upload progress: XMLHttpRequest where there is one (browsers:
 * `xhr.upload.onprogress`), else a streamed fetch (Node's undici) whose body counts the bytes as
 * the connection takes them.
 */
export async function uploadAttachment(
  baseUrl: string,
  tokens: TokenManager,
  source: UploadSource,
  options: UploadOptions = {},
): Promise<Attachment> {
  const url = `${baseUrl.replace(/\/$/, '')}/api/v1/attachments`;
  const prepared = prepare(source, options);
  // A Blob has a stream() method of its own: only the `{stream}` source is a stream to pipe.
  const streamed = !(source instanceof Blob) && !(source instanceof Uint8Array) && 'stream' in source;
  const useXhr = typeof XMLHttpRequest !== 'undefined' && !streamed;
  const once = (token: string | null) =>
    useXhr ? viaXhr(url, token, source, prepared, options) : viaFetch(url, token, source, prepared, options);
  const token = await tokens.get();
  const first = await once(token);
  const replayable = !streamed;
  if (first.status !== 401 || !token || !replayable) return result(first);
  const fresh = await tokens.refresh(token);
  if (!fresh || fresh === token) return result(first);
  return result(await once(fresh));
}

interface RawResponse {
  status: number;
  body: unknown;
}

function result(response: RawResponse): Attachment {
  if (response.status >= 200 && response.status < 300) return response.body as Attachment;
  throw toApiError(response.status, response.body) satisfies ChatApiError;
}

function viaXhr(
  url: string,
  token: string | null,
  source: Blob | Uint8Array,
  prepared: Prepared,
  options: UploadOptions,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of prepared.fields) form.append(name, value);
    const blob =
      source instanceof Blob
        ? source
        : new Blob([source as Uint8Array<ArrayBuffer>], { type: prepared.type });
    form.append('file', blob, prepared.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (event) =>
      options.onProgress?.({ loaded: event.loaded, total: event.lengthComputable ? event.total : null });
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: toApiError gives the generic shape
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new Error('upload failed: network error'));
    xhr.onabort = () =>
      reject(options.signal?.reason instanceof Error ? options.signal.reason : new Error('upload aborted'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

const encoder = new TextEncoder();
const escapeQuoted = (s: string) => s.replace(/["\r\n\\]/g, (c) => encodeURIComponent(c));

async function* chunksOf(source: UploadSource): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
  } else if (source instanceof Blob) {
    const reader = source.stream().getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } else {
    const stream = source.stream;
    if (Symbol.asyncIterator in stream) {
      yield* stream as AsyncIterable<Uint8Array>;
    } else {
      const reader = (stream as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    }
  }
}

function sizeOf(source: UploadSource): number | null {
  if (source instanceof Uint8Array) return source.byteLength;
  if (source instanceof Blob) return source.size;
  return source.size ?? null;
}

/** The multipart/form-data body as a pull stream: memory holds one chunk at a time. */
async function viaFetch(
  url: string,
  token: string | null,
  source: UploadSource,
  prepared: Prepared,
  options: UploadOptions,
): Promise<RawResponse> {
  const boundary = `----rescue-chat-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  let head = '';
  for (const [name, value] of prepared.fields)
    head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  head +=
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${escapeQuoted(prepared.name)}"\r\n` +
    `Content-Type: ${prepared.type}\r\n\r\n`;
  const headBytes = encoder.encode(head);
  const tailBytes = encoder.encode(`\r\n--${boundary}--\r\n`);
  const size = sizeOf(source);
  const total = size === null ? null : headBytes.byteLength + size + tailBytes.byteLength;

  let loaded = 0;
  const parts = (async function* () {
    yield headBytes;
    yield* chunksOf(source);
    yield tailBytes;
  })();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await parts.next();
      if (next.done) {
        controller.close();
        return;
      }
      loaded += next.value.byteLength;
      controller.enqueue(next.value);
      options.onProgress?.({ loaded, total });
    },
    async cancel() {
      await parts.return(undefined);
    },
  });
  const headers: Record<string, string> = { 'content-type': `multipart/form-data; boundary=${boundary}` };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body,
    signal: options.signal,
    // Node's fetch streams a request body only half-duplex; browsers ignore the field.
    duplex: 'half',
  } as RequestInit & { duplex: 'half' });
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed };
}
