/** A timestamp as the contract writes it: ISO 8601, UTC, milliseconds. */
export const iso = (value: Date | string): string => new Date(value).toISOString();
