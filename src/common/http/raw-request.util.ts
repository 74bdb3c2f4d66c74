import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request as a Nest handler, guard or filter gets it: Fastify's wrapper, or Node's own. */
export type AnyRequest = IncomingMessage | { raw: IncomingMessage };
/** A response likewise: Fastify's reply, or Node's own. */
export type AnyResponse = ServerResponse | { raw: ServerResponse };

/**
 * The Node request (IncomingMessage) under whatever the HTTP adapter hands over: Fastify's
 * `request.raw`, or the request itself where it is Node's already. Streaming readers (busboy for
 * multipart uploads) read the body from it, which Fastify leaves unread for multipart.
 */
export function rawRequestOf(req: AnyRequest): IncomingMessage {
  return 'raw' in req ? req.raw : req;
}

/** The Node response (ServerResponse) under Fastify's reply, or the response itself. */
export function rawResponseOf(res: AnyResponse): ServerResponse {
  return 'raw' in res ? res.raw : res;
}
