/**
 * The route pattern that served a request (`/api/v1/chats/:chat_id`), never the raw path, so
 * metrics and logs stay bounded in cardinality and free of ids; `unmatched` when no route did
 * (404s, preflights answered before routing, and wildcard routes such as the documentation's
 * static files). `pattern` is the router's (Fastify's `request.routeOptions.url`), without a
 * trailing slash.
 */
export function routeOf(pattern: string | undefined): string {
  if (pattern === undefined || pattern.includes('*')) return 'unmatched';
  return pattern.length > 1 && pattern.endsWith('/') ? pattern.slice(0, -1) : pattern;
}
