/**
 * The Node.js options the service runs with, given on the command line that starts it (the
 * Dockerfile's CMD, `npm start`, the bench's service): V8 takes them there, and Node refuses
 * them in NODE_OPTIONS. src/node-flags.spec.ts holds the launchers to this list.
 *
 * `--min-semi-space-size=16`: V8's memory reducer shrinks the young generation after an idle
 * spell (~51 MB to ~2 MB) and, objects of a request dying young, does not grow it back under a
 * steady load: at 100 history pages a second that was 5-8 scavenges a second, 90-108 µs of
 * pauses a page instead of ~15 (docs/bench-results.md, "Why the service's GC pauses per page
 * are sometimes 55-110 µs"). 16 MB semi-spaces are reserved, and used only as they fill.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--min-semi-space-size=16'];
