import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request as a Nest handler, guard or filter gets it: Fastify's wrapper, or Node's own. */
export type AnyRequest = IncomingMessage | { raw: IncomingMessage };

/**
 * The Node request (IncomingMessage) under whatever the HTTP adapter hands over: Fastify's
 * `request.raw`, or the request itself where it is Node's already. Streaming readers (busboy for
 * multipart uploads) read the body from it, which Fastify leaves unread for multipart.
 */
export function rawRequestOf(req: AnyRequest): IncomingMessage {
  return 'raw' in req ? req.raw : req;
}

/**
 * The Node response for a handler that writes the answer itself (status, headers and a streamed
 * body): Fastify's reply is told to keep out of it first (`hijack`), so it neither serializes a
 * return value nor answers twice; a Node response is returned as it is.
 */
export function takeOverResponse(
  res: ServerResponse | { raw: ServerResponse; hijack(): void },
): ServerResponse {
  if (!('raw' in res)) return res;
  res.hijack();
  return res.raw;
}
