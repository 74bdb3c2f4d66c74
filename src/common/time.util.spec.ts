import { types } from 'pg';
import { iso, isoFromPostgres } from './time.util';

/** What node-postgres makes of a timestamptz's text (a Date, by postgres-date), as the contract writes it. */
const viaDate = (text: string): string =>
  iso(types.getTypeParser(types.builtins.TIMESTAMPTZ, 'text')(text) as Date);

describe('isoFromPostgres', () => {
  it.each([
    '2026-12-05 23:49:07.123456+00',
    '2026-12-05 23:49:07.12+00',
    '2026-12-05 23:49:07.1+00',
    '2026-12-05 23:49:07.000999+00',
    '2026-12-05 23:49:07.999999+00',
    '2026-12-05 23:49:07+00',
    '2024-02-29 00:00:00.5+00',
    '0099-01-01 12:00:00.25+00',
    '9999-12-31 23:59:59.999999+00',
  ])('gives %s as a Date formatted by toISOString would', (text) => {
    const fast = isoFromPostgres(text);
    expect(fast).toBe(viaDate(text));
    expect(iso(fast!)).toBe(fast);
  });

  it('truncates every fraction of six digits to milliseconds as a Date does', () => {
    for (let micros = 0; micros < 1_000_000; micros += 997) {
      const text = `2026-12-05 23:49:07.${String(micros).padStart(6, '0')}+00`;
      expect(isoFromPostgres(text)).toBe(viaDate(text));
    }
  });

  it.each([
    ['another zone', '2026-12-06 02:49:07.123456+03'],
    ['a zone with minutes', '2026-12-06 05:19:07.123+05:30'],
    ['a year past 9999', '10000-01-01 00:00:00+00'],
    ['a BC year', '0044-03-15 12:00:00+00 BC'],
    ['infinity', 'infinity'],
    ['a fraction with no digits', '2026-12-05 23:49:07.+00'],
    ['a date alone', '2026-12-05'],
  ])('leaves %s to the parser that makes a Date', (_, text) => {
    expect(isoFromPostgres(text)).toBeUndefined();
  });
});

describe('iso', () => {
  it('formats Dates and any timestamp text as ISO 8601 in UTC with milliseconds', () => {
    expect(iso(new Date(Date.UTC(2026, 11, 5, 23, 49, 7, 123)))).toBe('2026-12-05T23:49:07.123Z');
    expect(iso('2026-12-06T02:49:07.123456+03:00')).toBe('2026-12-05T23:49:07.123Z');
    expect(iso('2026-12-05T23:49:07.123Z')).toBe('2026-12-05T23:49:07.123Z');
  });
});
