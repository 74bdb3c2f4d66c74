import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** What helmet does to a response: headers set, and headers removed (`X-Powered-By`). */
interface HeaderChanges {
  set: [name: string, value: string | number | readonly string[]][];
  removed: string[];
}

/** helmet's changes to one response, recorded on a stand-in for it. */
export function helmetChanges(
  middleware: ReturnType<typeof helmet>,
  req: Partial<IncomingMessage> = {},
): HeaderChanges {
  const changes: HeaderChanges = { set: [], removed: [] };
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      changes.set.push([name, value]);
      return recorder;
    },
    removeHeader: (name: string) => changes.removed.push(name),
  };
  let failure: unknown;
  middleware(req as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error('helmet failed');
  return changes;
}

/**
 * helmet's security headers (its defaults), worked out once and set on every response. helmet
 * runs a chain of thirteen middlewares per response and rebuilds its Content-Security-Policy text
 * each time; with the default policy (no per-request nonce) the outcome is the same for every
 * request, and running the chain cost ~45 µs of CPU a request at a hundred requests a second
 * (bench/http-cpu.ts). A policy computed per request would need the middleware itself back:
 * security-headers.spec.ts checks that two different requests get the same headers.
 */
export function securityHeaders(): (res: ServerResponse) => void {
  const { set, removed } = helmetChanges(helmet());
  return (res) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
  };
}
