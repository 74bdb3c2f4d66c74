import { DIGEST_MAX_CHATS, renderDigest, renderUnsubscribePage } from './digest.mail';

const base = {
  displayName: 'Anna <script>',
  interval: 'hourly' as const,
  webUrl: 'https://web.example.org',
  unsubscribeUrl: 'https://api.example.org/api/v1/email/unsubscribe?token=7.x',
};

describe('renderDigest', () => {
  it.each([
    [1, 1, '1 непрочитанное сообщение в 1 чате'],
    [2, 1, '2 непрочитанных сообщения в 1 чате'],
    [5, 2, '5 непрочитанных сообщений в 2 чатах'],
    [21, 21, '21 непрочитанное сообщение в 21 чате'],
    [112, 3, '112 непрочитанных сообщений в 3 чатах'],
  ])('counts %i messages in %i chats in Russian', (messages, chats, subject) => {
    const list = Array.from({ length: chats }, (_, i) => ({
      title: `c${i}`,
      unread_count: i === 0 ? messages - chats + 1 : 1,
    }));
    expect(renderDigest({ ...base, locale: 'ru', chats: list }).subject).toBe(subject);
  });

  it.each([
    [1, 1, '1 unread message in 1 chat'],
    [3, 2, '3 unread messages in 2 chats'],
  ])('counts %i messages in %i chats in English', (messages, chats, subject) => {
    const list = Array.from({ length: chats }, (_, i) => ({
      title: null,
      unread_count: i === 0 ? messages - chats + 1 : 1,
    }));
    expect(renderDigest({ ...base, locale: 'en', chats: list }).subject).toBe(subject);
  });

  it('lists at most DIGEST_MAX_CHATS chats and counts the rest, escaping HTML', () => {
    const chats = Array.from({ length: DIGEST_MAX_CHATS + 2 }, (_, i) => ({
      title: `<b>${i}</b>`,
      unread_count: 1,
    }));
    const mail = renderDigest({ ...base, locale: 'en', chats });
    expect(mail.text).toContain('…and 2 more chats');
    expect(mail.text).not.toContain(`<b>${DIGEST_MAX_CHATS}</b>`);
    expect(mail.html).toContain('&lt;b&gt;0&lt;/b&gt;: <b>1</b>');
    expect(mail.html).toContain('Hello, Anna &lt;script&gt;!');
    expect(mail.html).not.toContain('<script>');
    expect(renderDigest({ ...base, locale: 'ru', chats }).text).toContain('…и ещё 2 чата');
  });

  it('names an untitled chat', () => {
    expect(renderDigest({ ...base, locale: 'ru', chats: [{ title: null, unread_count: 1 }] }).text).toContain(
      '  • Чат: 1',
    );
  });
});

describe('renderUnsubscribePage', () => {
  it('asks with a form posting to its own URL, then says it is done', () => {
    expect(renderUnsubscribePage('en', 'confirm')).toContain(
      '<form method="post"><button type="submit">Unsubscribe</button>',
    );
    expect(renderUnsubscribePage('ru', 'done')).toContain('сводки на e-mail выключены');
  });
});
