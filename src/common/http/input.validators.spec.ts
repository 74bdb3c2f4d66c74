import type { ArgumentMetadata } from '@nestjs/common';
import { CreateChatDto } from '../../chats/dto/chat-input.dto';
import { SendMessageDto } from '../../messages/dto/message-input.dto';
import { DomainError } from '../errors/domain.errors';
import { createValidationPipe } from '../errors/validation.pipe';
import { codePointLength, unstorableFields } from './text-input.util';

const pipe = createValidationPipe();
const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });

/** The details of the validation_failed the pipe throws, or 'accepted'. */
async function verdict(value: unknown, metatype: ArgumentMetadata['metatype']): Promise<unknown> {
  try {
    await pipe.transform(value, body(metatype));
    return 'accepted';
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    expect(error.code).toBe('validation_failed');
    return error.details;
  }
}

const millisecondsOf = async (work: () => Promise<unknown>): Promise<number> => {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
};

describe('codePointLength', () => {
  it.each([
    ['', 0],
    ['abc', 3],
    ['я', 1],
    ['🐈', 1],
    ['a\uFE0F', 2],
    ['🐈‍⬛', 3],
    ['\uD800', 1],
    ['\uDC00\uD800', 2],
  ])('counts %p as %i, as PostgreSQL char_length does', (text, expected) => {
    expect(codePointLength(text)).toBe(expected);
  });

  it('stops counting past the limit', () => {
    expect(codePointLength('x'.repeat(1000), 10)).toBe(11);
  });
});

describe('unstorableFields', () => {
  it('names each string holding NUL or an unpaired surrogate by its path', () => {
    expect(
      unstorableFields({
        ok: 'Кошка 🐈‍⬛ \uFFFF',
        nul: 'a\u0000b',
        high: 'a\uD83D',
        low: '\uDC08b',
        list: ['fine', 'x\u0000'],
        nested: { deeper: '\uD800' },
      }),
    ).toEqual([
      { field: 'nul', message: 'nul must not contain NUL (U+0000)' },
      { field: 'high', message: 'high must not contain an unpaired surrogate (U+D800–U+DFFF)' },
      { field: 'low', message: 'low must not contain an unpaired surrogate (U+D800–U+DFFF)' },
      { field: 'list.1', message: 'list.1 must not contain NUL (U+0000)' },
      {
        field: 'nested.deeper',
        message: 'nested.deeper must not contain an unpaired surrogate (U+D800–U+DFFF)',
      },
    ]);
  });

  it('names a lone parameter by its own name', () => {
    expect(unstorableFields('1\u0000', 'chat_id')).toEqual([
      { field: 'chat_id', message: 'chat_id must not contain NUL (U+0000)' },
    ]);
  });

  it('refuses nesting deeper than any input of the API, without recursing', () => {
    let deep: unknown = 1;
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    expect(unstorableFields({ content: deep })).toEqual([
      { field: 'content.0.0.0.0.0.0.0', message: 'content.0.0.0.0.0.0.0 is nested too deeply' },
    ]);
  });
});

describe('the validation pipe on text', () => {
  it('refuses 200 × "a\\uFE0F" as a title: 400 code points, not the 200 class-validator counted', async () => {
    expect(await verdict({ member_ids: [], title: 'a\uFE0F'.repeat(200) }, CreateChatDto)).toEqual([
      { field: 'title', message: 'title must be 1–200 characters long' },
    ]);
    expect(await verdict({ member_ids: [], title: 'a\uFE0F'.repeat(100) }, CreateChatDto)).toBe('accepted');
  });

  it('refuses NUL before any rule of the DTO, naming the field', async () => {
    expect(await verdict({ content: 'x\u0000' }, SendMessageDto)).toEqual([
      { field: 'content', message: 'content must not contain NUL (U+0000)' },
    ]);
  });
});

describe('member_ids', () => {
  it.each([
    ['a repeated id', [7, 7], 'member_ids must not repeat an id (7 is there twice)'],
    ['0', [1, 0], 'member_ids must hold positive integer ids up to 2147483647'],
    ['a string', [1, '2'], 'member_ids must hold positive integer ids up to 2147483647'],
    ['a fraction', [1.5], 'member_ids must hold positive integer ids up to 2147483647'],
    ['2^31', [2_147_483_648], 'member_ids must hold positive integer ids up to 2147483647'],
    ['a number', 5, 'member_ids must be an array of user ids'],
    [
      '10 001 ids',
      Array.from({ length: 10_001 }, (_, i) => i + 1),
      'member_ids must hold at most 10000 items',
    ],
  ])('refuses %s', async (_, memberIds, message) => {
    expect(await verdict({ member_ids: memberIds }, CreateChatDto)).toEqual([
      { field: 'member_ids', message },
    ]);
  });

  it('accepts 10 000 distinct ids', async () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => i + 1);
    expect(await verdict({ member_ids: ids }, CreateChatDto)).toBe('accepted');
  });

  it('refuses 1 000 000 ids fast: the size first, nothing quadratic', async () => {
    const distinct = Array.from({ length: 1_000_000 }, (_, i) => i + 1);
    const milliseconds = await millisecondsOf(async () =>
      expect(await verdict({ member_ids: distinct }, CreateChatDto)).toEqual([
        { field: 'member_ids', message: 'member_ids must hold at most 10000 items' },
      ]),
    );
    // ArrayUnique would compare n² / 2 pairs, and class-transformer copy every element, first.
    expect(milliseconds).toBeLessThan(1000);
  });
});
