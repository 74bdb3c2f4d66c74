import type { FieldError } from '../errors/domain.errors';

/**
 * NUL (PostgreSQL text cannot hold U+0000) and unpaired UTF-16 surrogates (UTF-8 has no encoding
 * for them: the driver would store U+FFFD instead). Without the `u` flag, so that a lone half is
 * seen as the code unit it is.
 */
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Deeper than any input of the API: a JSON body of nested brackets must not reach class-transformer, which recurses. */
export const MAX_INPUT_DEPTH = 8;
/** The longest list any input may hold (member_ids): a longer one is not copied by class-transformer first. */
export const MAX_INPUT_ITEMS = 10_000;

export function unstorableProblem(text: string): string | undefined {
  const found = UNSTORABLE.exec(text);
  if (!found) return undefined;
  return found[0] === '\0'
    ? 'must not contain NUL (U+0000)'
    : 'must not contain an unpaired surrogate (U+D800–U+DFFF)';
}

/** Code points, as PostgreSQL's char_length and varchar(n) count them, up to `stopAfter` + 1. */
export function codePointLength(text: string, stopAfter = Infinity): number {
  let count = 0;
  for (let i = 0; i < text.length && count <= stopAfter; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    count += 1;
  }
  return count;
}

const isContainer = (value: unknown): value is Record<string, unknown> | unknown[] =>
  Array.isArray(value) ||
  (typeof value === 'object' &&
    value !== null &&
    [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null));

/**
 * Every string in a request body, query, path parameter or socket payload that the database
 * could not store, named by its path (`content`, `member_ids.3`), and every container nested
 * past MAX_INPUT_DEPTH, and every list longer than MAX_INPUT_ITEMS. `name` is the parameter's own name (`chat_id`), if it has one; a whole
 * body's or query's fields are named from their keys. Iterative, linear in the size of the input.
 */
export function unstorableFields(value: unknown, name?: string): FieldError[] {
  const errors: FieldError[] = [];
  const check = (item: unknown, path: string | undefined, depth: number): void => {
    const field = path ?? 'body';
    if (typeof item === 'string') {
      const problem = unstorableProblem(item);
      if (problem) errors.push({ field, message: `${field} ${problem}` });
    } else if (isContainer(item)) {
      if (depth >= MAX_INPUT_DEPTH) errors.push({ field, message: `${field} is nested too deeply` });
      else if (Array.isArray(item) && item.length > MAX_INPUT_ITEMS) {
        errors.push({ field, message: `${field} must hold at most ${MAX_INPUT_ITEMS} items` });
      } else containers.push({ item, path, depth });
    }
  };
  const containers: { item: Record<string, unknown> | unknown[]; path?: string; depth: number }[] = [];
  check(value, name, 0);
  for (let next = 0; next < containers.length; next += 1) {
    const { item, path, depth } = containers[next];
    const childPath = (key: string | number): string => (path === undefined ? String(key) : `${path}.${key}`);
    if (Array.isArray(item)) {
      for (let index = 0; index < item.length; index += 1) {
        const child: unknown = item[index];
        if (typeof child === 'string' || typeof child === 'object') check(child, childPath(index), depth + 1);
      }
    } else {
      for (const key of Object.keys(item)) check(item[key], childPath(key), depth + 1);
    }
  }
  return errors;
}
