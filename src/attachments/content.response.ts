import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../common/errors/domain.errors';
import { domainErrorBody } from '../common/http/error-status.mapping';
import type { ServedContent } from './attachment-content.service';

/** Writes the served content to the Node response, streaming the body from storage. */
export async function sendContent(res: ServerResponse, served: ServedContent): Promise<void> {
  for (const [name, value] of Object.entries(served.headers)) res.setHeader(name, value);
  if (!served.body) {
    const body = JSON.stringify(
      domainErrorBody(new DomainError('range_not_satisfiable', 'The range is outside the content')),
    );
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.removeHeader('Content-Disposition');
    res.writeHead(served.status);
    res.end(body);
    return;
  }
  res.writeHead(served.status);
  // A client that goes away mid-body ends the pipeline; there is nobody left to answer.
  await pipeline(served.body, res).catch(() => undefined);
}
