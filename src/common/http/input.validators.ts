import { ValidateBy, type ValidationArguments } from 'class-validator';
import { MAX_ID } from './parse-id.pipe';
import { codePointLength } from './text-input.util';

/** A string of `min`..`max` characters counted as PostgreSQL counts them (code points). */
export function withinTextLength(text: string, min: number, max: number): boolean {
  const length = codePointLength(text, max);
  return length >= min && length <= max;
}

/** An id as the API takes it: an integer 1..MAX_ID (a JSON number, never a string). */
export const isId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_ID;

/**
 * A string of `min`..`max` characters counted as PostgreSQL counts them (code points). It replaces
 * class-validator's Length and MaxLength, which count a surrogate pair as one but a variation
 * selector (U+FE0E, U+FE0F) as none: 200 × "a\uFE0F" passed MaxLength(200) and overflowed varchar(200).
 * `min` may depend on the rest of the object (a message's text may be empty when it has attachments).
 */
export function TextLength(min: number | ((object: object) => number), max: number): PropertyDecorator {
  const minOf = (object: object): number => (typeof min === 'number' ? min : min(object));
  return ValidateBy({
    name: 'textLength',
    constraints: [min, max],
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => {
        return typeof value === 'string' && withinTextLength(value, minOf(args?.object ?? {}), max);
      },
      defaultMessage: ({ property, object }: ValidationArguments) => {
        const least = minOf(object);
        return least > 0
          ? `${property} must be ${least}–${max} characters long`
          : `${property} must be at most ${max} characters long`;
      },
    },
  });
}

function idListProblem(value: unknown, max: number, min: number, noun: string): string | undefined {
  if (!Array.isArray(value)) return `must be an array of ${noun} ids`;
  // The size first: nothing below looks at an element of an oversized list.
  if (value.length > max) return `must hold at most ${max} ids`;
  if (value.length < min) return `must hold at least ${min} id${min === 1 ? '' : 's'}`;
  const seen = new Set<number>();
  for (const id of value as unknown[]) {
    if (!isId(id)) {
      return `must hold positive integer ids up to ${MAX_ID}`;
    }
    if (seen.has(id)) return `must not repeat an id (${id} is there twice)`;
    seen.add(id);
  }
  return undefined;
}

/**
 * A list of distinct ids (of users unless `noun` says otherwise), `min` to `max` of them, checked
 * in one pass with its size first. It replaces ArrayMaxSize + ArrayUnique + Min/Max/IsInt({each}):
 * ArrayUnique is quadratic, and class-validator runs it on a list whatever its size.
 */
export function IdList(
  max: number,
  { min = 0, noun = 'user' }: { min?: number; noun?: string } = {},
): PropertyDecorator {
  return ValidateBy({
    name: 'idList',
    constraints: [max],
    validator: {
      validate: (value: unknown) => idListProblem(value, max, min, noun) === undefined,
      defaultMessage: ({ property, value }: ValidationArguments) =>
        `${property} ${idListProblem(value, max, min, noun) ?? 'is not valid'}`,
    },
  });
}
