import type { ArgumentMetadata } from '@nestjs/common';
import { ValidationFailed } from '../../common/errors/domain.errors';
import { createValidationPipe } from '../../common/errors/validation.pipe';
import { SendMessageSocketDto } from '../../realtime/dto/client-payloads.dto';
import { SendMessageDto } from './message-input.dto';

/** The same classes without their direct reading: what the pipe makes of a body by the rules alone. */
class RulesOnly extends SendMessageDto {
  static override fromPlainBody = undefined as unknown as typeof SendMessageDto.fromPlainBody;
}
class SocketRulesOnly extends SendMessageSocketDto {
  static override fromPlainBody = undefined as unknown as typeof SendMessageSocketDto.fromPlainBody;
}

const pipe = createValidationPipe();
const asBody = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });

/** What the pipe answers for `raw` through class-transformer and class-validator. */
async function byRules(
  raw: Record<string, unknown>,
  metatype: ArgumentMetadata['metatype'],
): Promise<Record<string, unknown> | ValidationFailed> {
  try {
    return { ...((await pipe.transform(raw, asBody(metatype))) as object) };
  } catch (error) {
    if (error instanceof ValidationFailed) return error;
    throw error;
  }
}

/** Values each field of a text message accepts. */
const VALID: Record<string, unknown[]> = {
  chat_id: [1, 17, 2_147_483_647],
  content: ['кот', '  кот у подъезда  ', '\uD83D\uDC08', 'я'.repeat(4000), ` ${'я'.repeat(4000)} `],
  client_message_id: ['c0ffee-42', 'x'.repeat(64), 'к'],
};
/** Anything, most of it refused by some rule. */
const ANY: unknown[] = [
  ...['', ' ', 'кот', 'a\u0000b', '\uD83D', 'x'.repeat(65), 'a\uFE0F'.repeat(2001), 'я'.repeat(4001)],
  ...['\uD83D\uDC08'.repeat(4000), '17', 0, 1, -1, 1.5, 2_147_483_648, Number.NaN, null, true, [], [1], {}],
];
const OTHER_KEYS = ['reply_to_id', 'mentions', 'location', 'extra', '__proto__'];

/**
 * A deterministic sample of bodies (a fixed-seed LCG): each field of a text message absent, valid
 * or anything, and now and then another key, so that the sample holds bodies read directly,
 * bodies the rules refuse, and bodies only the rules accept.
 */
function* sampleBodies(count: number): Generator<Record<string, unknown>> {
  let seed = 4242;
  const next = (below: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    // The high bits: an LCG's low bits repeat with a short period.
    return Math.floor(seed / 2 ** 16) % below;
  };
  const pick = (values: unknown[]) => values[next(values.length)];
  for (let n = 0; n < count; n += 1) {
    // JSON text parsed, as the HTTP body parser and socket.io give it ("__proto__" an own key).
    const pairs: string[] = [];
    for (const key of Object.keys(VALID)) {
      const how = next(4);
      if (how === 0) continue;
      pairs.push(`"${key}":${JSON.stringify(pick(how === 3 ? ANY : VALID[key])) ?? 'null'}`);
    }
    if (next(4) === 0)
      pairs.push(`${JSON.stringify(pick(OTHER_KEYS))}:${JSON.stringify(pick(ANY)) ?? 'null'}`);
    yield JSON.parse(`{${pairs.join(',')}}`) as Record<string, unknown>;
  }
}

describe.each([
  ['SendMessageDto (POST …/messages)', SendMessageDto, RulesOnly],
  ['SendMessageSocketDto (message:send)', SendMessageSocketDto, SocketRulesOnly],
] as const)('%s.fromPlainBody', (_name, Dto, Rules) => {
  it('reads only what the rules accept, and reads it as they do', async () => {
    let read = 0;
    let refused = 0;
    let rulesOnly = 0;
    for (const raw of sampleBodies(3000)) {
      const direct = Dto.fromPlainBody(raw);
      const rules = await byRules(raw, Rules);
      if (rules instanceof ValidationFailed) refused += 1;
      if (direct === undefined) {
        if (!(rules instanceof ValidationFailed)) rulesOnly += 1;
        continue;
      }
      read += 1;
      expect(rules).not.toBeInstanceOf(ValidationFailed);
      expect(direct).toBeInstanceOf(Dto);
      expect({ ...direct }).toStrictEqual(rules);
    }
    // The sample exercises every side: bodies read directly, bodies the rules refuse, and bodies
    // only the rules accept (a reply, say).
    expect(read).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(1000);
    expect(rulesOnly).toBeGreaterThan(10);
  });

  it.each([
    { content: 'кот у подъезда' },
    { content: '  кот  ', client_message_id: 'c0ffee-42' },
    { content: 'я'.repeat(4000), client_message_id: 'x'.repeat(64) },
    { content: '\uD83D\uDC08' },
  ])('reads a text message directly: %j', async (text) => {
    const raw: Record<string, unknown> =
      Dto === SendMessageSocketDto ? { chat_id: 17, ...text } : { ...text };
    const direct = Dto.fromPlainBody(raw);
    expect(direct).toBeDefined();
    expect({ ...direct }).toStrictEqual(await byRules(raw, Rules));
    // And the pipe answers that reading.
    expect(await pipe.transform(raw, asBody(Dto))).toStrictEqual(direct);
  });

  it.each([
    [{ content: '   ' }, 'content'],
    [{ content: 'a\u0000' }, 'content'],
    [{ content: 'я'.repeat(4001) }, 'content'],
    [{ content: 'кот', client_message_id: '' }, 'client_message_id'],
    [{ content: 'кот', client_message_id: '\uDC08' }, 'client_message_id'],
    [{ content: 'кот', reply_to_id: 0 }, 'reply_to_id'],
    [{ content: 'кот', extra: 1 }, 'extra'],
  ])('leaves %j to the rules, which name the field %s', async (text, field) => {
    const raw: Record<string, unknown> =
      Dto === SendMessageSocketDto ? { chat_id: 17, ...text } : { ...text };
    expect(Dto.fromPlainBody(raw)).toBeUndefined();
    const refusal = pipe.transform(raw, asBody(Dto));
    await expect(refusal).rejects.toBeInstanceOf(ValidationFailed);
    await expect(refusal).rejects.toMatchObject({ details: [expect.objectContaining({ field })] });
  });

  it('leaves a reply to the rules, which accept it', async () => {
    const raw: Record<string, unknown> =
      Dto === SendMessageSocketDto
        ? { chat_id: 17, content: 'да', reply_to_id: 5 }
        : { content: 'да', reply_to_id: 5 };
    expect(Dto.fromPlainBody(raw)).toBeUndefined();
    expect(await pipe.transform(raw, asBody(Dto))).toMatchObject({ content: 'да', reply_to_id: 5 });
  });
});
