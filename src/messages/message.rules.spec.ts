import { DomainError } from '../common/errors/domain.errors';
import type { Membership } from '../members/members-access.service';
import { assertCanDelete, assertCanEdit, syncQuery, toPage } from './message.rules';

const codeOf = (run: () => void): string | undefined => {
  try {
    run();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a domain error';
  }
  return undefined;
};

const member = (userId: number, role: Membership['role']): Membership => ({
  chatId: 1,
  userId,
  role,
  lastReadSeq: 0,
});

describe('assertCanEdit', () => {
  it('lets the author edit', () => {
    expect(codeOf(() => assertCanEdit({ sender_id: 7 }, 7))).toBeUndefined();
  });

  it('refuses anyone else, whatever their role (seed defect 2)', () => {
    expect(codeOf(() => assertCanEdit({ sender_id: 7 }, 8))).toBe('forbidden');
  });

  it('answers message_not_found for a missing or deleted message', () => {
    expect(codeOf(() => assertCanEdit(undefined, 7))).toBe('message_not_found');
  });
});

describe('assertCanDelete', () => {
  it.each([
    ['the author', member(7, 'member'), undefined],
    ['an admin', member(8, 'admin'), undefined],
    ['the owner', member(9, 'owner'), undefined],
    ['another plain member', member(8, 'member'), 'forbidden'],
  ])('for %s', (_, membership, code) => {
    expect(codeOf(() => assertCanDelete({ sender_id: 7 }, membership))).toBe(code);
  });

  it('answers message_not_found before looking at roles', () => {
    expect(codeOf(() => assertCanDelete(undefined, member(9, 'owner')))).toBe('message_not_found');
  });
});

describe('toPage', () => {
  it('keeps limit rows and tells whether the extra one came', () => {
    expect(toPage([1, 2, 3], 2)).toEqual({ items: [1, 2], has_more: true });
    expect(toPage([1, 2], 2)).toEqual({ items: [1, 2], has_more: false });
    expect(toPage([], 2)).toEqual({ items: [], has_more: false });
  });
});

describe('syncQuery', () => {
  it('reads after the seq, oldest first, 50 by default', () => {
    expect(syncQuery(12)).toEqual(expect.objectContaining({ sort: 'asc', after: 12, limit: 50 }));
    expect(syncQuery(0, 100).limit).toBe(100);
  });

  it.each([
    [-1, 50, 'after_seq'],
    [1.5, 50, 'after_seq'],
    [0, 0, 'limit'],
    [0, 101, 'limit'],
    [0, Number.NaN, 'limit'],
  ])('rejects after_seq %p with limit %p', (afterSeq, limit, field) => {
    try {
      syncQuery(afterSeq, limit);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).details).toEqual([expect.objectContaining({ field })]);
    }
  });
});
