import type { MemberRole } from '../database/entities/chat-member.entity';

/**
 * The role rules of the contract, as pure functions: each answers why not (a message), or null
 * when the action is allowed.
 */

export const MANAGERS: readonly MemberRole[] = ['owner', 'admin'];
export const OWNER: readonly MemberRole[] = ['owner'];

/**
 * A chat of exactly two active members is a personal conversation (either may delete it or pin
 * in it): it cannot be made public or get invite links, which would let strangers read it.
 */
export function isPersonal(activeMembers: number): boolean {
  return activeMembers === 2;
}

export const PERSONAL_NOT_PUBLIC = 'A two-person chat is a personal conversation: it cannot be public';
export const PERSONAL_NO_INVITES =
  'A two-person chat is a personal conversation: invite links are for group chats';

export function canAddMembers(actor: MemberRole): boolean {
  return MANAGERS.includes(actor);
}

/** Changing `target`'s role from `current` to `next`, by an `actor` who is not the target. */
export function roleChangeRefusal(actor: MemberRole, current: MemberRole, next: MemberRole): string | null {
  if (!MANAGERS.includes(actor)) return 'Only the owner or an admin may change roles';
  if (current === 'owner') return 'The owner keeps that role until they hand ownership to someone else';
  if (next === 'owner' && actor !== 'owner') return 'Only the owner may hand over ownership';
  if (next === 'admin' && actor !== 'owner') return 'Only the owner may grant admin';
  if (current === 'admin' && actor !== 'owner') return "Only the owner may change an admin's role";
  return null;
}

/** Removing someone else. Leaving (removing yourself) is always allowed. */
export function removalRefusal(actor: MemberRole, target: MemberRole): string | null {
  if (!MANAGERS.includes(actor)) return 'Only the owner or an admin may remove members';
  if (target === 'owner') return 'The owner cannot be removed; they may leave';
  if (target === 'admin' && actor !== 'owner') return 'Only the owner may remove an admin';
  return null;
}

export interface Standing {
  userId: number;
  role: MemberRole;
  joinedAt: Date;
}

/**
 * Who becomes owner when the owner leaves: the longest-standing admin, else the longest-standing
 * member; undefined when nobody is left (the chat is then deleted).
 */
export function nextOwner(remaining: readonly Standing[]): Standing | undefined {
  const byStanding = [...remaining].sort(
    (a, b) => a.joinedAt.getTime() - b.joinedAt.getTime() || a.userId - b.userId,
  );
  return byStanding.find((m) => m.role === 'admin') ?? byStanding[0];
}

/** Deleting the chat for everyone: owner or admin, or either member of a two-person chat. */
export function canDeleteChat(actor: MemberRole, activeMembers: number): boolean {
  return MANAGERS.includes(actor) || activeMembers === 2;
}

/** Pinning and unpinning messages: the same people as deleting the chat. */
export const canPin = canDeleteChat;
