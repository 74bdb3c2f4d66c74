import { ValidationFailed } from '../common/errors/domain.errors';
import { EMOJI_MAX_BYTES, parseEmoji } from './emoji.rules';

describe('parseEmoji', () => {
  it.each([
    ['a simple emoji', '👍'],
    ['a skin tone', '👍🏽'],
    ['a flag', '🇺🇦'],
    ['a ZWJ family', '👨‍👩‍👧‍👦'],
    ['a subdivision flag (tag sequence)', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
    ['a keycap', '1️⃣'],
    ['an emoji-style heart', '❤️'],
  ])('takes %s as it is', (_, emoji) => {
    expect(parseEmoji(emoji)).toBe(emoji);
  });

  it('takes a text-style character in its emoji style, so both are one reaction', () => {
    expect(parseEmoji('❤')).toBe('❤️');
    expect(parseEmoji('©')).toBe('©️');
  });

  it.each([
    ['text', 'ok'],
    ['a letter', 'a'],
    ['a digit', '1'],
    ['two emoji', '👍👍'],
    ['an emoji and text', '👍a'],
    ['empty', ''],
    ['a lone surrogate', '\uD83D'],
    ['NUL', '\u0000'],
    ['a ZWJ chain of 5 KB (one grapheme)', `👍${'\u200D👍'.repeat(700)}`],
    ['a number', 5],
    ['null', null],
  ])('refuses %s with 400 on emoji', (_, value) => {
    expect(() => parseEmoji(value)).toThrow(ValidationFailed);
    try {
      parseEmoji(value);
    } catch (error) {
      expect((error as ValidationFailed).details).toEqual([{ field: 'emoji', message: expect.any(String) }]);
    }
  });

  it('caps the bytes: a long ZWJ chain is one grapheme, refused by its size', () => {
    const chain = `👍${'\u200D👍'.repeat(20)}`;
    expect([...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(chain)]).toHaveLength(1);
    expect(Buffer.byteLength(chain)).toBeGreaterThan(EMOJI_MAX_BYTES);
    expect(() => parseEmoji(chain)).toThrow(ValidationFailed);
  });
});
