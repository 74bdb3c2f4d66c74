import { Forbidden, MessageNotFound, ValidationFailed } from '../common/errors/domain.errors';
import { MAX_ID } from '../common/http/parse-id.pipe';
import type { Membership } from '../members/members-access.service';
import { ListMessagesQuery, PAGE_LIMIT } from './dto/message-input.dto';

/** Who wrote a message: all that the edit and delete rules look at. */
export interface AuthoredRow {
  sender_id: number;
}

/** Only the author edits a message. */
export function assertCanEdit<T extends AuthoredRow>(
  message: T | undefined,
  userId: number,
): asserts message is T {
  if (!message) throw new MessageNotFound();
  if (message.sender_id !== userId) throw new Forbidden('Only the author may edit a message');
}

/** The author deletes their message; the chat's owner and admins delete anyone's. */
export function assertCanDelete<T extends AuthoredRow>(
  message: T | undefined,
  membership: Membership,
): asserts message is T {
  if (!message) throw new MessageNotFound();
  if (message.sender_id !== membership.userId && membership.role === 'member') {
    throw new Forbidden('Only the author, an admin or the owner may delete a message');
  }
}

/** A page from rows fetched with limit + 1: the extra row only tells that there is more. */
export function toPage<T>(rows: T[], limit: number): { items: T[]; has_more: boolean } {
  return { items: rows.slice(0, limit), has_more: rows.length > limit };
}

/** The history query of `chat:sync`: after a seq, oldest first; checked like the REST query. */
export function syncQuery(afterSeq: number, limit: number = PAGE_LIMIT.default): ListMessagesQuery {
  const fields = [];
  if (!Number.isInteger(afterSeq) || afterSeq < 0 || afterSeq > MAX_ID) {
    fields.push({ field: 'after_seq', message: 'after_seq must be an integer of at least 0' });
  }
  if (!Number.isInteger(limit) || limit < PAGE_LIMIT.min || limit > PAGE_LIMIT.max) {
    fields.push({
      field: 'limit',
      message: `limit must be an integer from ${PAGE_LIMIT.min} to ${PAGE_LIMIT.max}`,
    });
  }
  if (fields.length > 0) throw new ValidationFailed(fields);
  return Object.assign(new ListMessagesQuery(), { sort: 'asc', after: afterSeq, limit });
}
