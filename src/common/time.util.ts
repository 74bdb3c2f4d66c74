/** A timestamp as the contract writes it: ISO 8601, UTC, milliseconds. */
export const iso = (value: Date | string): string => new Date(value).toISOString();

/** iso(), keeping null (a timestamp that may be absent). */
export const isoOrNull = (value: Date | string | null): string | null => (value === null ? null : iso(value));
