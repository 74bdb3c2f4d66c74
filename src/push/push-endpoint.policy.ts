import { isIP } from 'node:net';
import type { AllowedPushHost } from '../config/app.config';

/**
 * Why an endpoint is refused, or null when the service may POST to it. A push endpoint is a URL a
 * user hands the server to send requests to (server-side request forgery): only `https` URLs on
 * an allowed host and port, no credentials in them. `*.domain` in the list matches host names
 * under domain, never domain itself nor an IP literal; an IP literal (or localhost) passes only
 * when it is listed as it is.
 */
export function endpointRefusal(endpoint: string, allowed: readonly AllowedPushHost[]): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'endpoint must be a URL';
  }
  if (url.protocol !== 'https:') return 'endpoint must be an https URL';
  if (url.username !== '' || url.password !== '') return 'endpoint must not carry credentials';
  const host = url.hostname.toLowerCase();
  const port = url.port === '' ? 443 : Number(url.port);
  const literal = isIP(host.replace(/^\[|\]$/g, '')) !== 0;
  const ok = allowed.some((entry) => {
    if (entry.port !== port) return false;
    if (entry.host.startsWith('*.')) return !literal && host.endsWith(entry.host.slice(1));
    return entry.host === host;
  });
  return ok ? null : 'endpoint must be on an allowed push service host (PUSH_ENDPOINT_HOSTS)';
}
