import type { components } from './generated/openapi.ts';
import type { ErrorBody } from './generated/socket.ts';

type Schemas = components['schemas'];

/** The service's objects, as the generated OpenAPI types spell them. */
export type User = Schemas['UserDto'];
export type Chat = Schemas['ChatDto'];
export type Member = Schemas['MemberDto'];
export type Message = Schemas['MessageDto'];
export type Attachment = Schemas['AttachmentDto'];
export type Reaction = Schemas['ReactionDto'];
export type SendMessageInput = Omit<Schemas['SendMessageDto'], 'client_message_id'> & {
  /** Generated (crypto.randomUUID()) when absent; a retry with the same id is stored once. */
  client_message_id?: string;
};
export type { ErrorBody };

/** An error answered by the service (HTTP or socket ack), in the contract's error shape. */
export class ChatApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorBody['details'];

  constructor(readonly body: ErrorBody) {
    super(body.message);
    this.name = 'ChatApiError';
    this.status = body.status;
    this.code = body.code;
    this.details = body.details;
  }

  /** Whether the same request may succeed later unchanged (rate limited, service unavailable). */
  get retryable(): boolean {
    return this.status === 429 || this.status === 503;
  }

  /** details.retry_after_ms, when the service gave one. */
  get retryAfterMs(): number | undefined {
    const details = this.details as { retry_after_ms?: unknown } | undefined;
    return typeof details?.retry_after_ms === 'number' ? details.retry_after_ms : undefined;
  }
}

/** Any value the service answered as an error; a body without the shape gets a generic one. */
export function toApiError(status: number, body: unknown): ChatApiError {
  const shaped = body as Partial<ErrorBody> | undefined;
  if (shaped && typeof shaped.code === 'string' && typeof shaped.message === 'string')
    return new ChatApiError({ ...shaped, status: shaped.status ?? status } as ErrorBody);
  return new ChatApiError({ status, code: 'http_error', message: `HTTP ${status}` } as unknown as ErrorBody);
}
