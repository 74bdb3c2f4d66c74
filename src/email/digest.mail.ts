import type { EmailDigest, Locale } from '../database/entities/user.entity';

/** A digest lists this many chats at most; the rest are counted in one line. */
export const DIGEST_MAX_CHATS = 20;

export interface DigestContent {
  displayName: string;
  locale: Locale;
  interval: Exclude<EmailDigest, 'off'>;
  chats: { title: string | null; unread_count: number }[];
  webUrl: string;
  unsubscribeUrl: string;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

type Forms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

/** The words of a digest in each language; `n` forms follow the language's plural rules. */
interface Words {
  plural: Intl.PluralRules;
  messages: Forms;
  inChats: Forms;
  moreChats: Forms;
  hello: (name: string) => string;
  youHave: (messages: string, chats: string) => string;
  untitled: string;
  open: string;
  why: Record<Exclude<EmailDigest, 'off'>, string>;
  unsubscribe: string;
}

const WORDS: Record<Locale, Words> = {
  ru: {
    plural: new Intl.PluralRules('ru'),
    messages: {
      one: '{n} непрочитанное сообщение',
      few: '{n} непрочитанных сообщения',
      other: '{n} непрочитанных сообщений',
    },
    inChats: { one: 'в {n} чате', other: 'в {n} чатах' },
    moreChats: { one: '…и ещё {n} чат', few: '…и ещё {n} чата', other: '…и ещё {n} чатов' },
    hello: (name) => `Здравствуйте, ${name}!`,
    youHave: (messages, chats) => `У вас ${messages} ${chats}:`,
    untitled: 'Чат',
    open: 'Открыть чат',
    why: {
      hourly: 'Вы получаете эту сводку не чаще раза в час, потому что включили её в настройках.',
      daily: 'Вы получаете эту сводку не чаще раза в день, потому что включили её в настройках.',
    },
    unsubscribe: 'Отписаться',
  },
  en: {
    plural: new Intl.PluralRules('en'),
    messages: { one: '{n} unread message', other: '{n} unread messages' },
    inChats: { one: 'in {n} chat', other: 'in {n} chats' },
    moreChats: { one: '…and {n} more chat', other: '…and {n} more chats' },
    hello: (name) => `Hello, ${name}!`,
    youHave: (messages, chats) => `You have ${messages} ${chats}:`,
    untitled: 'Chat',
    open: 'Open the chat',
    why: {
      hourly: 'You get this digest at most once an hour because you turned it on in your settings.',
      daily: 'You get this digest at most once a day because you turned it on in your settings.',
    },
    unsubscribe: 'Unsubscribe',
  },
};

function count(words: Words, forms: Forms, n: number): string {
  const form = forms[words.plural.select(n)] ?? forms.other;
  return form.replace('{n}', String(n));
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

/** The digest mail in the user's language: subject, plain text and HTML saying the same. */
export function renderDigest(content: DigestContent): RenderedMail {
  const words = WORDS[content.locale];
  const total = content.chats.reduce((sum, chat) => sum + chat.unread_count, 0);
  const messages = count(words, words.messages, total);
  const chats = count(words, words.inChats, content.chats.length);
  const listed = content.chats.slice(0, DIGEST_MAX_CHATS).map((chat) => ({
    title: chat.title ?? words.untitled,
    unread: chat.unread_count,
  }));
  const more = content.chats.length - listed.length;
  const moreLine = more > 0 ? count(words, words.moreChats, more) : undefined;
  const subject = `${messages} ${chats}`;

  const text = [
    words.hello(content.displayName),
    '',
    words.youHave(messages, chats),
    '',
    ...listed.map((chat) => `  • ${chat.title}: ${chat.unread}`),
    ...(moreLine ? [`  ${moreLine}`] : []),
    '',
    `${words.open}: ${content.webUrl}`,
    '',
    '—',
    words.why[content.interval],
    `${words.unsubscribe}: ${content.unsubscribeUrl}`,
    '',
  ].join('\n');

  const html = `<!doctype html>
<html lang="${content.locale}">
<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: sans-serif; line-height: 1.5">
<p>${escapeHtml(words.hello(content.displayName))}</p>
<p>${escapeHtml(words.youHave(messages, chats))}</p>
<ul>
${listed.map((chat) => `<li>${escapeHtml(chat.title)}: <b>${chat.unread}</b></li>`).join('\n')}
${moreLine ? `<li>${escapeHtml(moreLine)}</li>` : ''}
</ul>
<p><a href="${escapeHtml(content.webUrl)}">${escapeHtml(words.open)}</a></p>
<hr>
<p style="font-size: small; color: #666">${escapeHtml(words.why[content.interval])}
<a href="${escapeHtml(content.unsubscribeUrl)}">${escapeHtml(words.unsubscribe)}</a></p>
</body>
</html>
`;
  return { subject, text, html };
}

/**
 * The page an unsubscribe link opens (GET: a button that confirms; POST: done). The form has no
 * action: it posts to the page's own URL, token included, whatever origin or prefix serves it.
 */
export function renderUnsubscribePage(locale: Locale, state: 'confirm' | 'done'): string {
  const t =
    locale === 'ru'
      ? {
          title: 'Отписка от сводок',
          confirm: 'Больше не присылать сводки непрочитанных сообщений на e-mail?',
          button: 'Отписаться',
          done: 'Готово: сводки на e-mail выключены. Включить их снова можно в настройках.',
        }
      : {
          title: 'Unsubscribe from digests',
          confirm: 'Stop sending digests of unread messages by e-mail?',
          button: 'Unsubscribe',
          done: 'Done: e-mail digests are off. You can turn them on again in your settings.',
        };
  const body =
    state === 'done'
      ? `<p>${escapeHtml(t.done)}</p>`
      : `<p>${escapeHtml(t.confirm)}</p>
<form method="post"><button type="submit">${escapeHtml(t.button)}</button></form>`;
  return `<!doctype html>
<html lang="${locale}">
<head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${escapeHtml(t.title)}</title></head>
<body style="font-family: sans-serif">
<h1>${escapeHtml(t.title)}</h1>
${body}
</body>
</html>
`;
}
