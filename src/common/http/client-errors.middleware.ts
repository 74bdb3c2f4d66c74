import type { Duplex } from 'node:stream';
import { DomainError } from '../errors/domain.errors';
import { domainErrorBody } from './error-status.mapping';

const HEADERS_TOO_LARGE = new DomainError('headers_too_large', 'The request line or headers are too large');
const UNPARSABLE = new DomainError('bad_request', 'The request could not be understood');

const REASONS: Record<number, string> = { 400: 'Bad Request', 431: 'Request Header Fields Too Large' };

function answer(socket: Duplex, error: DomainError): void {
  const body = domainErrorBody(error);
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${body.status} ${REASONS[body.status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      'Connection: close\r\n\r\n' +
      text,
  );
}

/**
 * The HTTP server's `clientError` handler (Fastify's `clientErrorHandler` option). Requests
 * Node's HTTP parser refuses never reach the router: a URL or headers past
 * `--max-http-header-size` (16 KB) would get a bare 431 without a body. They get the API's
 * error shape instead. Timeouts keep Node's own answer (408); a reset socket is only closed.
 */
export function handleClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
  } else if (error.code === 'HPE_HEADER_OVERFLOW') {
    answer(socket, HEADERS_TOO_LARGE);
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
  } else {
    answer(socket, UNPARSABLE);
  }
}
