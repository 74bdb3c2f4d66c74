import proxyAddr from '@fastify/proxy-addr';

/** Which hops' X-Forwarded-For to believe (TRUST_PROXY): none, the nearest N, or these ranges. */
export type TrustProxy = false | number | string[];

/**
 * TRUST_PROXY as a proxy-addr trust function, with Express' and Fastify's `trust proxy`
 * semantics (both compile the setting this way): false trusts no hop, a number the nearest N
 * hops, a list the addresses and ranges in it (`loopback`, `10.0.0.0/8`, ...).
 */
export function trustFunction(trust: TrustProxy): (address: string, hop: number) => boolean {
  if (trust === false) return () => false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyAddr.compile(trust);
}

/**
 * The client address as HTTP derives `request.ip` (and so its rate limit): the socket's address,
 * or the nearest untrusted X-Forwarded-For entry when the hops in between are trusted.
 */
export function clientAddressOf(
  remoteAddress: string,
  headers: Record<string, string | string[] | undefined>,
  trust: (address: string, hop: number) => boolean,
): string {
  const request = { headers, socket: { remoteAddress }, connection: { remoteAddress } };
  return proxyAddr(request as unknown as Parameters<typeof proxyAddr>[0], trust);
}
