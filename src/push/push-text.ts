import type { AttachmentKind } from '../database/entities/attachment.entity';
import type { Locale } from '../database/entities/user.entity';

/** Characters of a message's text a push carries at most. */
export const PUSH_BODY_MAX = 100;

/** What a push says for a message without text, in each locale. */
const TEXTS: Record<Locale, Record<AttachmentKind | 'location', string>> = {
  en: { image: 'Photo', voice: 'Voice message', file: 'File', location: 'Location' },
  ru: { image: 'Фото', voice: 'Голосовое сообщение', file: 'Файл', location: 'Местоположение' },
};

/** The push's `body`: the first 100 characters of the text, or what the message holds. */
export function pushBody(
  message: { content: string; attachment_kind: AttachmentKind | null; has_location: boolean },
  locale: Locale,
): string {
  const text = message.content.trim();
  if (text !== '') {
    const chars = Array.from(text);
    return chars.length > PUSH_BODY_MAX ? chars.slice(0, PUSH_BODY_MAX).join('') : text;
  }
  const texts = TEXTS[locale] ?? TEXTS.ru;
  if (message.attachment_kind) return texts[message.attachment_kind];
  return message.has_location ? texts.location : '';
}

/**
 * The `Topic` of a chat's pushes (RFC 8030 §5.4: at most 32 characters of the URL-safe base64
 * alphabet): a newer push of the chat replaces one the push service still holds.
 */
export function pushTopic(chatId: number): string {
  return `chat-${chatId}`;
}
