import { pushBody, pushTopic } from './push-text';

describe('push texts', () => {
  const message = (
    content: string,
    attachment_kind: 'image' | 'voice' | 'file' | null = null,
    has_location = false,
  ) => ({
    content,
    attachment_kind,
    has_location,
  });

  it('carries the first 100 characters of the text, counted as characters', () => {
    expect(pushBody(message('hello'), 'en')).toBe('hello');
    const long = '🐶'.repeat(150);
    expect(Array.from(pushBody(message(long), 'ru'))).toHaveLength(100);
  });

  it('names what a message without text holds, in the recipient’s locale', () => {
    expect(pushBody(message('', 'image'), 'en')).toBe('Photo');
    expect(pushBody(message('', 'image'), 'ru')).toBe('Фото');
    expect(pushBody(message('', 'voice'), 'en')).toBe('Voice message');
    expect(pushBody(message('', 'voice'), 'ru')).toBe('Голосовое сообщение');
    expect(pushBody(message('', null, true), 'en')).toBe('Location');
    expect(pushBody(message('', null, true), 'ru')).toBe('Местоположение');
  });

  it('has a topic of at most 32 URL-safe base64 characters per chat', () => {
    const topic = pushTopic(2_147_483_647);
    expect(topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(pushTopic(1)).not.toBe(pushTopic(2));
  });
});
