/**
 * Keys whose values never reach a log line, at any of the first three levels of a logged object
 * (array indices count as a level): credentials, and message text (`content`), which is the
 * users' private conversation.
 */
export const SECRET_KEYS: readonly string[] = [
  'authorization',
  'cookie',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'content',
];
export const CENSOR = '[redacted]';
const REDACTED_LEVELS = 3;

const secret = new Set(SECRET_KEYS);
/** A secret key whose value is not the censor (at any depth: a quick pre-check only). */
const UNCENSORED_SECRET = new RegExp(
  `"(?:${SECRET_KEYS.join('|')})":(?!${JSON.stringify(CENSOR).replace(/[[\]]/g, '\\$&')})`,
);

/** A shallow copy keeping the prototype (and an error's message and stack, which are not enumerable). */
function shallowCopy(value: object): Record<string, unknown> {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(value) as object | null) as object, value);
  if (value instanceof Error) Object.assign(copy, { message: value.message, stack: value.stack });
  return copy as Record<string, unknown>;
}

/**
 * `value` with every secret key of its first `levels` levels censored. Copy on write: an object
 * holding no secret is returned as it is, so the common case costs one pass over its keys and
 * allocates nothing; the caller's object is never modified.
 */
export function redactSecrets<T>(value: T, levels = REDACTED_LEVELS): T {
  if (typeof value !== 'object' || value === null || levels <= 0) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index];
      const redacted = redactSecrets(item, levels - 1);
      if (redacted !== item) {
        copy ??= value.slice();
        copy[index] = redacted;
      }
    }
    return (copy ?? value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const item = source[key];
    const redacted = secret.has(key) ? CENSOR : redactSecrets(item, levels - 1);
    if (redacted !== item) {
      copy ??= shallowCopy(source);
      copy[key] = redacted;
    }
  }
  return (copy ?? value) as T;
}

/**
 * A serialized log line (one JSON object, then its line end) with the secrets of its first
 * levels censored, as {@link redactSecrets} would; the same string when none can be there,
 * which a regular expression tells for most lines without parsing them.
 */
export function redactLine(line: string): string {
  if (!UNCENSORED_SECRET.test(line)) return line;
  const end = line.length - (line.endsWith('\r\n') ? 2 : line.endsWith('\n') ? 1 : 0);
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(0, end));
  } catch {
    return line;
  }
  const redacted = redactSecrets(parsed);
  return redacted === parsed ? line : JSON.stringify(redacted) + line.slice(end);
}
