import type { DomainError, DomainErrorCode } from '../errors/domain.errors';

/**
 * Each error code's status, in HTTP answers and in the `status` of socket acknowledgements and
 * handshake refusals alike. Exhaustive: a code without a status does not compile.
 */
export const ERROR_STATUS: Record<DomainErrorCode, number> = {
  validation_failed: 400,
  bad_request: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  token_expired: 401,
  invalid_refresh_token: 401,
  forbidden: 403,
  banned: 403,
  not_a_member: 403,
  blocked: 403,
  not_found: 404,
  user_not_found: 404,
  chat_not_found: 404,
  message_not_found: 404,
  member_not_found: 404,
  report_not_found: 404,
  invite_not_found: 404,
  invite_expired: 410,
  username_taken: 409,
  chat_exists: 409,
  already_a_member: 409,
  conflict: 409,
  payload_too_large: 413,
  invalid_file: 400,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  headers_too_large: 431,
  rate_limited: 429,
  limit_exceeded: 409,
  internal_error: 500,
  service_unavailable: 503,
};

/** The contract's one error shape, HTTP and socket alike. */
export interface ErrorBody {
  status: number;
  code: DomainErrorCode;
  message: string;
  details?: unknown;
}

/** A domain error as the contract's error shape. */
export function domainErrorBody(error: DomainError): ErrorBody {
  const body: ErrorBody = { status: ERROR_STATUS[error.code], code: error.code, message: error.message };
  if (error.details !== undefined) body.details = error.details;
  return body;
}
