import createClient, { type Client } from 'openapi-fetch';
import type { TokenManager } from './auth.ts';
import type { paths } from './generated/openapi.ts';
import { toApiError } from './types.ts';

export type { paths } from './generated/openapi.ts';
/** The REST API typed from docs/openapi.json: `api.GET('/api/v1/chats/{chat_id}', {params: {path: {chat_id}}})`. */
export type RestClient = Client<paths>;

/**
 * An openapi-fetch client that sends the provider's token and, on a 401, refreshes it once and
 * repeats the request.
 */
export function createRestClient(
  baseUrl: string,
  tokens: TokenManager,
  fetchImpl?: typeof fetch,
): RestClient {
  const send = fetchImpl ?? ((request: Request) => globalThis.fetch(request));
  return createClient<paths>({
    baseUrl: baseUrl.replace(/\/$/, ''),
    fetch: async (request: Request) => {
      const again = request.clone();
      const token = await tokens.get();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      const response = await send(request);
      if (response.status !== 401 || !token) return response;
      const fresh = await tokens.refresh(token);
      if (!fresh || fresh === token) return response;
      again.headers.set('Authorization', `Bearer ${fresh}`);
      return send(again);
    },
  });
}

/** The `data` of an openapi-fetch result, or the service's error thrown as a ChatApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok)
    throw toApiError(result.response.status, result.error);
  return result.data as T;
}
