import { DomainError } from '../common/errors/domain.errors';

/** Sorted ids, comma-separated: the key under which "the chat with exactly these people" is found. */
export function memberKey(userIds: Iterable<number>): string {
  return [...new Set(userIds)].sort((a, b) => a - b).join(',');
}

/** Refuses the users (of a new chat or membership) who already belong to `max` live chats. */
export function assertNoneAtChatLimit(fullUserIds: readonly number[], max: number): void {
  if (fullUserIds.length > 0) {
    throw new DomainError('limit_exceeded', `A user may belong to at most ${max} chats`, {
      limit: max,
      user_ids: [...fullUserIds],
    });
  }
}

export function assertMembersPerChat(count: number, max: number): void {
  if (count > max) {
    throw new DomainError('limit_exceeded', `A chat may have at most ${max} members`, { limit: max });
  }
}
