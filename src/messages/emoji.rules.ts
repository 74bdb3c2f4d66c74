import { ValidationFailed } from '../common/errors/domain.errors';

/** The longest emoji the service stores, in bytes of UTF-8 (the longest RGI emoji has 35). */
export const EMOJI_MAX_BYTES = 64;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
/** One emoji of Unicode's recommended set: flags, skin tones, keycaps, ZWJ families included. */
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v'); // (the v flag: ES2024, past the compile target)
const VARIATION_SELECTOR_16 = '\uFE0F';

/**
 * The emoji a reaction names, as stored: exactly one grapheme cluster that is one RGI emoji (a
 * text-style character whose emoji style is RGI, such as ❤ without U+FE0F, is taken in that
 * style, so ❤ and ❤️ are one reaction). Anything else (text, two emoji, a sequence longer than
 * EMOJI_MAX_BYTES, a lone surrogate) is a 400 on `emoji`.
 */
export function parseEmoji(raw: unknown): string {
  const refuse = (): never => {
    throw ValidationFailed.field('emoji', 'must be exactly one emoji');
  };
  if (typeof raw !== 'string' || raw.length === 0 || Buffer.byteLength(raw) > EMOJI_MAX_BYTES) refuse();
  const text = raw as string;
  const segments = graphemes.segment(text)[Symbol.iterator]();
  segments.next();
  if (!segments.next().done) refuse();
  if (RGI_EMOJI.test(text)) return text;
  const emojiStyle = text + VARIATION_SELECTOR_16;
  if (RGI_EMOJI.test(emojiStyle) && Buffer.byteLength(emojiStyle) <= EMOJI_MAX_BYTES) return emojiStyle;
  return refuse();
}
