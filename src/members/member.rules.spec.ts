import {
  canDeleteChat,
  isPersonal,
  nextOwner,
  removalRefusal,
  roleChangeRefusal,
  Standing,
} from './member.rules';

const at = (minutes: number): Date => new Date(Date.UTC(2026, 0, 1, 0, minutes));

describe('roleChangeRefusal', () => {
  it.each([
    ['owner', 'member', 'admin'],
    ['owner', 'admin', 'member'],
    ['owner', 'member', 'owner'],
    ['owner', 'admin', 'owner'],
    ['admin', 'member', 'member'],
  ] as const)('lets %s change %s to %s', (actor, current, next) => {
    expect(roleChangeRefusal(actor, current, next)).toBeNull();
  });

  it.each([
    ['member', 'member', 'admin', /owner or an admin/],
    ['admin', 'member', 'admin', /Only the owner may grant admin/],
    ['admin', 'member', 'owner', /Only the owner may hand over/],
    ['admin', 'admin', 'member', /Only the owner may change an admin/],
    ['admin', 'owner', 'member', /owner keeps that role/],
    ['owner', 'owner', 'member', /owner keeps that role/],
  ] as const)('refuses %s changing %s to %s', (actor, current, next, why) => {
    expect(roleChangeRefusal(actor, current, next)).toMatch(why);
  });
});

describe('removalRefusal', () => {
  it('lets the owner remove admins and members, and admins remove members', () => {
    expect(removalRefusal('owner', 'admin')).toBeNull();
    expect(removalRefusal('owner', 'member')).toBeNull();
    expect(removalRefusal('admin', 'member')).toBeNull();
  });

  it('refuses members, admins removing admins, and anyone removing the owner', () => {
    expect(removalRefusal('member', 'member')).toMatch(/owner or an admin/);
    expect(removalRefusal('admin', 'admin')).toMatch(/Only the owner may remove an admin/);
    expect(removalRefusal('admin', 'owner')).toMatch(/cannot be removed/);
  });
});

describe('nextOwner', () => {
  const member = (userId: number, role: Standing['role'], minutes: number): Standing => ({
    userId,
    role,
    joinedAt: at(minutes),
  });

  it('prefers the longest-standing admin over older members', () => {
    expect(nextOwner([member(2, 'member', 1), member(3, 'admin', 5), member(4, 'admin', 3)])?.userId).toBe(4);
  });

  it('falls back to the longest-standing member, ties broken by id', () => {
    expect(nextOwner([member(9, 'member', 2), member(7, 'member', 2), member(5, 'member', 4)])?.userId).toBe(
      7,
    );
  });

  it('is undefined when nobody is left', () => {
    expect(nextOwner([])).toBeUndefined();
  });
});

describe('canDeleteChat', () => {
  it('allows owners and admins, and anyone in a two-person chat', () => {
    expect(canDeleteChat('owner', 5)).toBe(true);
    expect(canDeleteChat('admin', 5)).toBe(true);
    expect(canDeleteChat('member', 2)).toBe(true);
    expect(canDeleteChat('member', 3)).toBe(false);
  });
});

describe('isPersonal', () => {
  it('is a chat of exactly two active members: favorites and groups are not', () => {
    expect(isPersonal(2)).toBe(true);
    expect(isPersonal(1)).toBe(false);
    expect(isPersonal(3)).toBe(false);
  });
});
