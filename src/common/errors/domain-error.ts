/**
 * Errors the services throw. Each carries a stable machine-readable `code`; the HTTP and WS
 * exception filters turn them into the contract's error shape. Services never see HTTP.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  bad_request: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  token_expired: 401,
  invalid_refresh_token: 401,
  forbidden: 403,
  not_a_member: 403,
  not_found: 404,
  user_not_found: 404,
  chat_not_found: 404,
  message_not_found: 404,
  member_not_found: 404,
  username_taken: 409,
  chat_exists: 409,
  already_a_member: 409,
  conflict: 409,
  payload_too_large: 413,
  headers_too_large: 431,
  rate_limited: 429,
  limit_exceeded: 409,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  field: string;
  message: string;
}

export interface ErrorBody {
  status: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { status: this.status, code: this.code, message: this.message };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

export class ValidationFailed extends DomainError {
  constructor(fields: FieldError[]) {
    super('validation_failed', 'The request is not valid', fields);
  }

  static field(field: string, message: string): ValidationFailed {
    return new ValidationFailed([{ field, message }]);
  }
}

/**
 * 429: past a budget. `retry_after_ms` always; `retry_after_seconds` too where HTTP clients had
 * it from v1 on (the HTTP rate limit, and the login budget beside it).
 */
export class RateLimited extends DomainError {
  constructor(message: string, retryAfterMs: number, { withSeconds = false } = {}) {
    super(
      'rate_limited',
      message,
      withSeconds
        ? { retry_after_ms: retryAfterMs, retry_after_seconds: Math.ceil(retryAfterMs / 1000) }
        : { retry_after_ms: retryAfterMs },
    );
  }
}

export class Unauthorized extends DomainError {
  constructor(message = 'Authentication is required') {
    super('unauthorized', message);
  }
}

export class Forbidden extends DomainError {
  constructor(message = 'You are not allowed to do this') {
    super('forbidden', message);
  }
}

export class NotAMember extends DomainError {
  constructor() {
    super('not_a_member', 'You are not a member of this chat');
  }
}

export class ChatNotFound extends DomainError {
  constructor() {
    super('chat_not_found', 'Chat not found');
  }
}

export class MessageNotFound extends DomainError {
  constructor() {
    super('message_not_found', 'Message not found');
  }
}

export class UserNotFound extends DomainError {
  constructor(details?: unknown) {
    super('user_not_found', 'User not found', details);
  }
}
