import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/** An error shaped as body-parser's, which toErrorBody maps (400 bad_request, 415). */
class BodyParserError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly type: string,
  ) {
    super(message);
  }
}

/** What Express' body parser inflated: `Content-Encoding` values and their decoders. */
const DECODERS: Record<string, (body: Buffer, options: { maxOutputLength: number }) => Buffer> = {
  gzip: gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/** The body as text, inflated as its Content-Encoding says, at most `limit` bytes once inflated. */
function decodedBody(request: FastifyRequest, body: Buffer, limit: number): string {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity') return body.toString('utf8');
  const decode = DECODERS[encoding];
  if (!decode) throw new BodyParserError('content encoding unsupported', 415, 'encoding.unsupported');
  try {
    return decode(body, { maxOutputLength: limit }).toString('utf8');
  } catch (error) {
    if (error instanceof RangeError)
      throw new BodyParserError('request entity too large', 413, 'entity.too.large');
    throw new BodyParserError('invalid compressed body', 400, 'encoding.invalid');
  }
}

/**
 * A JSON body parser with body-parser's `json()` answers, as the API gave them on Express: an
 * empty body is `{}`; only an object or an array is accepted (strict), anything else 400 before
 * the route is reached; a text that does not parse is 400 `entity.parse.failed` (mapped to "not
 * valid JSON"); a charset other than UTF and an unknown Content-Encoding are 415; gzip, deflate
 * and br bodies are inflated, and the limit holds for the inflated body too. The size limit of
 * the body as sent (413) is Fastify's `bodyLimit`, checked while the body is read.
 */
export function jsonBodyParser(limit: number) {
  return (
    request: FastifyRequest,
    body: Buffer,
    done: (error: Error | null, body?: unknown) => void,
  ): void => {
    try {
      done(null, parseJson(request, body, limit));
    } catch (error) {
      done(error as Error);
    }
  };
}

function parseJson(request: FastifyRequest, body: Buffer, limit: number): unknown {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
  if (charset !== undefined && !charset.toLowerCase().startsWith('utf-')) {
    throw new BodyParserError(`unsupported charset "${charset.toUpperCase()}"`, 415, 'charset.unsupported');
  }
  const text = decodedBody(request, body, limit);
  if (text.length === 0) return {};
  const first = /[^ \t\n\r]/.exec(text)?.[0];
  if (first !== '{' && first !== '[') throw new BodyParserError('strict violation', 400, 'entity.strict');
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyParserError('Unexpected token', 400, 'entity.parse.failed');
  }
}

/** A media type as RFC 9110 spells it (`type/subtype`, then parameters). */
const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+\s*(;|$)/i;

/**
 * Forgets a Content-Type header that names no media type (`foo`), so that the body is left
 * unread as any other body that is not JSON: Express ignored such bodies and the route's
 * validation refused the request (400), where Fastify would answer 415.
 */
export function dropInvalidContentType(request: FastifyRequest): void {
  const type = request.headers['content-type'];
  if (type !== undefined && !MEDIA_TYPE.test(type)) delete request.headers['content-type'];
}

/**
 * A body parser that reads nothing: the route sees no body, and the request stream stays
 * unread on the Node request (rawRequestOf), for a handler that streams it itself (busboy for
 * multipart/form-data). Nothing is buffered. Node discards what is left unread once the
 * response is sent, as it did on Express for bodies no parser took.
 */
export function leaveBodyUnread(
  _request: FastifyRequest,
  _payload: IncomingMessage,
  done: (error: Error | null, body?: unknown) => void,
): void {
  done(null, undefined);
}
