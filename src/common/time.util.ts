/**
 * Whether `value` is already a timestamp as the contract writes it (`2026-12-05T23:49:07.123Z`,
 * as toISOString and isoFromPostgres give it): returned as it is by iso().
 */
const isCanonical = (value: string): boolean =>
  value.length === 24 && value[10] === 'T' && value[19] === '.' && value[23] === 'Z';

/** A timestamp as the contract writes it: ISO 8601, UTC, milliseconds. */
export const iso = (value: Date | string): string =>
  typeof value === 'string' && isCanonical(value) ? value : new Date(value).toISOString();

/** iso(), keeping null (a timestamp that may be absent). */
export const isoOrNull = (value: Date | string | null): string | null => (value === null ? null : iso(value));

/**
 * PostgreSQL's text of a timestamptz in UTC (DateStyle ISO, TimeZone UTC:
 * `2026-12-05 23:49:07.123456+00`, the fraction's trailing zeros dropped, none when zero) as the
 * contract writes it, truncated to milliseconds as a Date would hold it; undefined for any other
 * text (another zone's offset, a year past 9999 or BC, infinity), which the caller parses as
 * node-postgres does. By hand because it runs for every timestamp of every page: a Date parsed
 * by regular expression and formatted back cost ~1.5 µs a timestamp, 5% of a history request's
 * CPU.
 */
export function isoFromPostgres(text: string): string | undefined {
  const end = text.length - 3;
  if (
    end < 19 ||
    text[4] !== '-' ||
    text[7] !== '-' ||
    text[10] !== ' ' ||
    text[13] !== ':' ||
    text[16] !== ':' ||
    text[end] !== '+' ||
    text[end + 1] !== '0' ||
    text[end + 2] !== '0' ||
    (end > 19 && (text[19] !== '.' || end === 20))
  ) {
    return undefined;
  }
  const fraction = end === 19 ? '000' : `${text.slice(20, end)}00`.slice(0, 3);
  return `${text.slice(0, 10)}T${text.slice(11, 19)}.${fraction}Z`;
}
