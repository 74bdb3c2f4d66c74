import type { IncomingMessage } from 'node:http';

/** What Express leaves on a request once a route matched it. */
interface RoutedRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
}

/**
 * The route pattern that served a request (`/api/v1/chats/:chat_id`), never the raw path, so
 * metrics and logs stay bounded in cardinality and free of ids; `unmatched` when no route did
 * (404s, and bodies refused before routing). Nest mounts module middleware as wildcard routes
 * (`/api/v1*path`), which a request no handler matched is left with; no handler here is one.
 */
export function routeOf(req: IncomingMessage): string {
  const { baseUrl, route } = req as RoutedRequest;
  if (typeof route?.path !== 'string' || route.path.includes('*')) return 'unmatched';
  return `${baseUrl ?? ''}${route.path}`;
}
