import type { ArgumentMetadata } from '@nestjs/common';
import { parse } from 'node:querystring';
import { ValidationFailed } from '../../common/errors/domain.errors';
import { createValidationPipe } from '../../common/errors/validation.pipe';
import { ListMessagesQuery } from './message-input.dto';

/** The same class without its direct reading: what the pipe makes of a query by its rules alone. */
class RulesOnly extends ListMessagesQuery {
  static override fromPlainQuery = undefined as unknown as typeof ListMessagesQuery.fromPlainQuery;
}

const pipe = createValidationPipe();
const asQuery = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'query', metatype });

/** What the pipe answers for `raw` through class-transformer and class-validator. */
async function byRules(raw: Record<string, unknown>): Promise<Record<string, unknown> | ValidationFailed> {
  try {
    return { ...((await pipe.transform(raw, asQuery(RulesOnly))) as object) };
  } catch (error) {
    if (error instanceof ValidationFailed) return error;
    throw error;
  }
}

/** A query object as node:querystring gives it (no prototype), from its pairs. */
function plainQuery(pairs: [string, unknown][]): Record<string, unknown> {
  return Object.assign(Object.create(null) as Record<string, unknown>, Object.fromEntries(pairs));
}

const KEYS = ['sort', 'before', 'after', 'limit', 'query', 'offset', 'constructor', '__proto__'];
const VALUES: unknown[] = [
  ...['', '0', '1', '7', '007', '50', '100', '101', '-1', '-0', '2147483647', '2147483648'],
  ...['9999999999', '12345678901', '1e3', '0x10', ' 5', '5 ', '1.5', '٣', 'asc', 'desc', 'ASC'],
  ...['abc', 'a\u0000', 'кот', '   ', 'x'.repeat(201)],
  ['1', '2'],
  ['7'],
  ['asc'],
];

/** A deterministic sample of queries: up to four keys, any values (a fixed-seed LCG). */
function* sampleQueries(count: number): Generator<Record<string, unknown>> {
  let seed = 12345;
  const next = (below: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    // The high bits: an LCG's low bits repeat with a short period.
    return Math.floor(seed / 2 ** 16) % below;
  };
  for (let n = 0; n < count; n += 1) {
    const pairs: [string, unknown][] = [];
    for (let k = next(5); k > 0; k -= 1) pairs.push([KEYS[next(KEYS.length)], VALUES[next(VALUES.length)]]);
    yield plainQuery(pairs);
  }
}

describe('ListMessagesQuery.fromPlainQuery', () => {
  it('reads only what the rules accept, and reads it as they do', async () => {
    let read = 0;
    let refused = 0;
    for (const raw of sampleQueries(4000)) {
      const direct = ListMessagesQuery.fromPlainQuery(raw);
      if (direct === undefined) continue;
      read += 1;
      const rules = await byRules(raw);
      expect(rules).not.toBeInstanceOf(ValidationFailed);
      expect(direct).toBeInstanceOf(ListMessagesQuery);
      expect({ ...direct }).toStrictEqual(rules);
    }
    for (const raw of sampleQueries(4000)) if ((await byRules(raw)) instanceof ValidationFailed) refused += 1;
    // The sample exercises both sides: queries read directly, and queries the rules refuse.
    expect(read).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(1000);
  });

  it.each([
    '',
    'limit=50',
    'limit=50&before=500123',
    'sort=asc&after=0&limit=100',
    'before=2147483647',
    'after=007&sort=desc',
  ])('reads a history page query directly: %j', async (text) => {
    const raw = parse(text);
    const direct = ListMessagesQuery.fromPlainQuery(raw);
    expect(direct).toBeDefined();
    expect({ ...direct }).toStrictEqual(await byRules(raw));
    // And the pipe answers that reading.
    expect(await pipe.transform(raw, asQuery(ListMessagesQuery))).toStrictEqual(direct);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['before=-1', 'before'],
    ['before=2147483648', 'before'],
    ['after=1e3', 'after'],
    ['sort=ASC', 'sort'],
    ['limit=5&limit=6', 'limit'],
    ['offset=5', 'offset'],
  ])('leaves %j to the rules, which name the field %s', async (text, field) => {
    const raw = parse(text);
    expect(ListMessagesQuery.fromPlainQuery(raw)).toBeUndefined();
    const refusal = pipe.transform(raw, asQuery(ListMessagesQuery));
    await expect(refusal).rejects.toBeInstanceOf(ValidationFailed);
    await expect(refusal).rejects.toMatchObject({ details: [expect.objectContaining({ field })] });
  });

  it('leaves a search to the rules (its text is trimmed and checked there)', async () => {
    const raw = parse('query=%20%D0%BA%D0%BE%D1%82%20&limit=20');
    expect(ListMessagesQuery.fromPlainQuery(raw)).toBeUndefined();
    expect(await pipe.transform(raw, asQuery(ListMessagesQuery))).toMatchObject({ query: 'кот', limit: 20 });
  });
});
