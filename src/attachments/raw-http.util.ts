import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The Node request under the framework's: Fastify wraps it in `raw`, Express extends it. Bodies
 * the service streams itself (multipart uploads) are read from here, never through a body parser.
 */
export function rawRequest(req: unknown): IncomingMessage {
  return ((req as { raw?: IncomingMessage }).raw ?? req) as IncomingMessage;
}

/**
 * The Node response under the framework's, for a handler that writes the answer itself (status,
 * headers and a streamed body): Fastify's reply is told to keep out of it first.
 */
export function rawResponse(res: unknown): ServerResponse {
  const reply = res as { raw?: ServerResponse; hijack?: () => void };
  if (reply.raw && typeof reply.hijack === 'function') {
    reply.hijack();
    return reply.raw;
  }
  return res as ServerResponse;
}
