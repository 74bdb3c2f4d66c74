import { ValidationFailed } from '../errors/domain.errors';
import { MAX_ID } from './parse-id.pipe';

/**
 * Opaque to clients: the id of the last row of a page, for lists ordered newest first by id.
 * `tag` (a letter) tells the lists apart, so a cursor of one is refused by another.
 */
export function encodeIdCursor(tag: string, id: number): string {
  return Buffer.from(`${tag}${id}`).toString('base64url');
}

/** The id a cursor ends at; 400 on `cursor` for anything encodeIdCursor(tag) did not make. */
export function decodeIdCursor(tag: string, cursor: string): number {
  const match = new RegExp(`^${tag}([1-9]\\d{0,9})$`).exec(Buffer.from(cursor, 'base64url').toString());
  // Re-encoding must give the same text: base64url decoding ignores trailing bits and junk.
  if (!match || Number(match[1]) > MAX_ID || encodeIdCursor(tag, Number(match[1])) !== cursor) {
    throw ValidationFailed.field('cursor', 'cursor must be a next_cursor from a previous page');
  }
  return Number(match[1]);
}

/** The next_cursor of a page read with limit + 1 rows: null on the last page. */
export function nextIdCursor(tag: string, rows: readonly { id: number }[], limit: number): string | null {
  return rows.length > limit ? encodeIdCursor(tag, rows[limit - 1].id) : null;
}
