import { Transform } from 'class-transformer';

/** Trims strings; leaves other values for the validators to reject. */
export const Trim = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

export const LowerCaseTrim = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toLowerCase() : value,
  );

/** A query-string integer as QueryInt reads it: optional minus, up to ten decimal digits. */
export const QUERY_INT = /^-?\d{1,10}$/;

/**
 * Query-string integers: "20" → 20; anything that is not a plain integer stays a string so that
 * @IsInt rejects it (a bare `Number()` would turn "" into 0 and "1e3" into 1000).
 */
export const QueryInt = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && QUERY_INT.test(value) ? Number(value) : value,
  );
