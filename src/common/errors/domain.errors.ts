/**
 * Every error code of the contract: stable and machine-readable. A new one does not compile
 * until it has its status in ERROR_STATUS (common/http/error-status.mapping.ts).
 */
export type DomainErrorCode =
  | 'validation_failed'
  | 'bad_request'
  | 'unauthorized'
  | 'invalid_credentials'
  | 'token_expired'
  | 'invalid_refresh_token'
  | 'forbidden'
  | 'banned'
  | 'not_a_member'
  | 'blocked'
  | 'not_found'
  | 'user_not_found'
  | 'chat_not_found'
  | 'message_not_found'
  | 'member_not_found'
  | 'report_not_found'
  | 'invite_not_found'
  | 'invite_expired'
  | 'username_taken'
  | 'chat_exists'
  | 'already_a_member'
  | 'conflict'
  | 'payload_too_large'
  | 'invalid_file'
  | 'unsupported_media_type'
  | 'range_not_satisfiable'
  | 'headers_too_large'
  | 'rate_limited'
  | 'limit_exceeded'
  | 'internal_error'
  | 'service_unavailable';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * An error the services throw, with its code. The transport gives the code its status, in HTTP
 * answers and socket acknowledgements alike: services never see HTTP.
 */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
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

/** 403: a moderator banned the user; `details.until` is when the ban ends (null: never). */
export class Banned extends DomainError {
  constructor(until: Date | null) {
    super('banned', 'This account is banned', { until: until === null ? null : until.toISOString() });
  }
}

/** 403: a block between the caller and the other person stands in the way of personal contact. */
export class Blocked extends DomainError {
  constructor(message = 'A block between you and this user prevents this', details?: unknown) {
    super('blocked', message, details);
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

export class ReportNotFound extends DomainError {
  constructor() {
    super('report_not_found', 'Report not found');
  }
}

export class UserNotFound extends DomainError {
  constructor(details?: unknown) {
    super('user_not_found', 'User not found', details);
  }
}

/** 400: an upload that is empty, truncated or corrupt. */
export class InvalidFile extends DomainError {
  constructor(message = 'The file is empty, truncated or corrupt') {
    super('invalid_file', message);
  }
}

/** 415: an upload whose content is none of the accepted types. */
export class UnsupportedMediaType extends DomainError {
  constructor(message: string, details?: unknown) {
    super('unsupported_media_type', message, details);
  }
}

/** 413: past a size, pixel or duration limit; `details.limit` names which. */
export class PayloadTooLarge extends DomainError {
  constructor(message: string, details?: unknown) {
    super('payload_too_large', message, details);
  }
}
