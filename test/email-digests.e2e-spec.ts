import type { ParsedMail } from 'mailparser';
import { randomBytes } from 'node:crypto';
import { DigestScheduler } from '../src/email/digest-scheduler.service';
import { DigestSender } from '../src/email/digest-sender.service';
import { UnsubscribeTokens } from '../src/email/unsubscribe-tokens';
import { EmailDigestsRepository } from '../src/repositories/email-digests.repository';
import { startApp, TestApp } from './support/app.fixture';
import { createChat } from './support/chats.helpers';
import { expectErrorShape } from './support/errors.helpers';
import { expectValidation, MANY_REQUESTS, send } from './support/messages.helpers';
import { startSmtp, TestSmtp } from './support/smtp.server';
import { connectAs } from './support/sockets.helpers';
import { registerUser, TestUser } from './support/users.helpers';

const WEB = 'https://web.example.org';
const API_ORIGIN = 'https://api.example.org';
/** Messages younger than an hour wait; tests make them older by moving created_at back. */
const DELAY_SECONDS = 3600;

/**
 * E-mail digests (issue 16) end to end: the app with a real SMTP server of the test's own
 * (smtp-server), mails parsed with mailparser; the scan runs every second, as the job queue
 * (pg-boss) runs it, and the tests also call the scan's query and the digest job directly where
 * they assert that nothing is sent.
 */
describe('e-mail digests (e2e)', () => {
  let smtp: TestSmtp;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await startApp({
      ...MANY_REQUESTS,
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'Rescue chat <digest@example.org>',
      PUBLIC_WEB_URL: WEB,
      PUBLIC_API_URL: API_ORIGIN,
      EMAIL_DIGEST_DELAY_SECONDS: String(DELAY_SECONDS),
      EMAIL_DIGEST_SCAN_SECONDS: '1',
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  const addressOf = (user: TestUser) => `${user.username}@example.org`;

  async function optIn(user: TestUser, email_digest: 'hourly' | 'daily', locale: 'ru' | 'en'): Promise<void> {
    await t
      .http()
      .patch('/api/v1/users/me/settings')
      .set(user.auth)
      .send({ email: addressOf(user), email_digest, locale })
      .expect(200);
  }

  /** Makes the chat's messages of the last hour two hours older: past the delay. */
  async function backdate(chatId: number): Promise<void> {
    await t.db.query(
      `UPDATE messages SET created_at = created_at - interval '2 hours'
        WHERE chat_id = $1 AND created_at > now() - interval '1 hour'`,
      [chatId],
    );
  }

  /** Moves the user's last digest (its time and what it covered) two hours back, as time passing would. */
  async function ageLastDigest(user: TestUser): Promise<void> {
    await t.db.query(
      `UPDATE email_digests SET sent_at = sent_at - interval '2 hours', covered_until = covered_until - interval '2 hours'
        WHERE user_id = $1`,
      [user.id],
    );
  }

  const mailsTo = (user: TestUser) => smtp.received.filter(({ to }) => to.includes(addressOf(user)));
  /** A header line as sent, unfolded. */
  const header = (mail: ParsedMail, key: string) =>
    mail.headerLines.find((line) => line.key === key)?.line.replace(/\r\n[ \t]+/g, ' ');
  const settingsOf = async (user: TestUser) =>
    (await t.http().get('/api/v1/users/me/settings').set(user.auth).expect(200)).body as Record<
      string,
      unknown
    >;
  /** Whether the scan's query finds the user due (the first candidate after the id before theirs). */
  const isCandidate = async (user: TestUser) =>
    (await t.app.get(EmailDigestsRepository).candidates(user.id - 1, 1, DELAY_SECONDS))[0]?.id === user.id;
  const deliver = (user: TestUser) => t.app.get(DigestSender).deliver(user.id);
  const lastDigest = async (user: TestUser): Promise<{ sent_at: Date } | undefined> => {
    const rows: { sent_at: Date }[] = await t.db.query(
      'SELECT sent_at FROM email_digests WHERE user_id = $1',
      [user.id],
    );
    return rows[0];
  };

  describe('settings', () => {
    it('starts with no address, digests off and Russian', async () => {
      const user = await registerUser(t, 'settings');
      expect(await settingsOf(user)).toEqual({ email: null, email_digest: 'off', locale: 'ru' });
    });

    it('keeps the address trimmed with its domain in lower case, and changes only what is given', async () => {
      const user = await registerUser(t, 'settings');
      const res = await t
        .http()
        .patch('/api/v1/users/me/settings')
        .set(user.auth)
        .send({ email: '  Anna.K@Example.ORG ' })
        .expect(200);
      expect(res.body).toEqual({ email: 'Anna.K@example.org', email_digest: 'off', locale: 'ru' });
      await t
        .http()
        .patch('/api/v1/users/me/settings')
        .set(user.auth)
        .send({ email_digest: 'daily' })
        .expect(200);
      await t.http().patch('/api/v1/users/me/settings').set(user.auth).send({ locale: 'en' }).expect(200);
      expect(await settingsOf(user)).toEqual({
        email: 'Anna.K@example.org',
        email_digest: 'daily',
        locale: 'en',
      });
    });

    it('refuses bad values with 400 on the field, and digests without an address', async () => {
      const user = await registerUser(t, 'settings');
      const patch = (body: object) => t.http().patch('/api/v1/users/me/settings').set(user.auth).send(body);
      for (const [body, field] of [
        [{ email: 'not an address' }, 'email'],
        [{ email: 'a@b' }, 'email'],
        [{ email: `${'a'.repeat(250)}@example.org` }, 'email'],
        [{ email: '' }, 'email'],
        [{ email: 42 }, 'email'],
        [{ email_digest: 'weekly' }, 'email_digest'],
        [{ email_digest: null }, 'email_digest'],
        [{ locale: 'de' }, 'locale'],
        [{ locale: 'RU' }, 'locale'],
        [{}, 'email'],
        [{ email_digest: 'hourly' }, 'email_digest'],
        [{ email: 'x@example.org', theme: 'dark' }, 'theme'],
      ] as const) {
        const res = await patch(body).expect(400);
        expectValidation(res.body, field);
        expectErrorShape(res.body, 400, 'validation_failed');
      }
      expect(await settingsOf(user)).toEqual({ email: null, email_digest: 'off', locale: 'ru' });
    });

    it('turns digests off with the address it removes, and refuses them on without one', async () => {
      const user = await registerUser(t, 'settings');
      await optIn(user, 'hourly', 'en');
      const res = await t
        .http()
        .patch('/api/v1/users/me/settings')
        .set(user.auth)
        .send({ email: null })
        .expect(200);
      expect(res.body).toEqual({ email: null, email_digest: 'off', locale: 'en' });
      await optIn(user, 'daily', 'en');
      const refused = await t
        .http()
        .patch('/api/v1/users/me/settings')
        .set(user.auth)
        .send({ email: null, email_digest: 'daily' })
        .expect(400);
      expectValidation(refused.body, 'email_digest');
      expect(await settingsOf(user)).toEqual({ email: addressOf(user), email_digest: 'daily', locale: 'en' });
    });
  });

  it('mails a digest with the chats and unread counts, the web app and a one-click unsubscribe link that works without logging in', async () => {
    const [reader, sender, third] = await Promise.all([
      registerUser(t, 'reader', 'Reader Anna'),
      registerUser(t, 'sender', 'Boris'),
      registerUser(t, 'third'),
    ]);
    await optIn(reader, 'hourly', 'en');
    const personal = await createChat(t, sender, [reader]);
    const group = await createChat(t, sender, [reader, third], { title: 'Cat <at> the garages' });
    for (const text of ['one', 'two', 'three']) await send(t, sender, personal.id, text);
    for (const text of ['four', 'five']) await send(t, sender, group.id, text);
    // Read by the others, never by the reader: their reads change nothing for them.
    await t.http().patch(`/api/v1/chats/${group.id}/unread`).set(third.auth).send({}).expect(200);
    const arriving = smtp.next(addressOf(reader));
    await backdate(personal.id);
    await backdate(group.id);
    const mail = await arriving;

    expect(mail.subject).toBe('5 unread messages in 2 chats');
    expect(mail.from?.text).toBe('"Rescue chat" <digest@example.org>');
    expect(mail.text).toContain('Hello, Reader Anna!');
    expect(mail.text).toContain('  • Boris: 3\n');
    expect(mail.text).toContain('  • Cat <at> the garages: 2\n');
    expect(mail.text).toContain(`Open the chat: ${WEB}`);
    expect(mail.html).toContain('Cat &lt;at&gt; the garages: <b>2</b>');
    expect(mail.html).toContain(`<a href="${WEB}">`);
    expect(header(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const unsubscribe = /^List-Unsubscribe: ?<([^>]+)>$/.exec(header(mail, 'list-unsubscribe') ?? '')?.[1];
    expect(unsubscribe).toMatch(
      new RegExp(`^${API_ORIGIN}/api/v1/email/unsubscribe\\?token=\\d+\\.[\\w-]{43}$`),
    );
    expect(mail.text).toContain(`Unsubscribe: ${unsubscribe}`);
    expect(mail.html).toContain(`href="${unsubscribe}"`);
    expect(mailsTo(reader)).toHaveLength(1);

    // The link, on this service's origin, with no Authorization header.
    const { pathname, search } = new URL(unsubscribe!);
    const page = await t.http().get(`${pathname}${search}`).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<form method="post">');
    expect(await settingsOf(reader)).toMatchObject({ email_digest: 'hourly' });
    // What a mail client's one-click sends (RFC 8058).
    const done = await t
      .http()
      .post(`${pathname}${search}`)
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
    expect(done.text).toContain('e-mail digests are off');
    expect(await settingsOf(reader)).toEqual({ email: addressOf(reader), email_digest: 'off', locale: 'en' });
    await t.http().post(`${pathname}${search}`).expect(200);
  });

  it('refuses a forged, tampered or missing unsubscribe token with 400, changing nothing', async () => {
    const user = await registerUser(t, 'forged');
    await optIn(user, 'daily', 'ru');
    const other = await registerUser(t, 'forged');
    const real = /token=(.*)$/.exec(t.app.get(UnsubscribeTokens).url(other.id))![1];
    const [, signature] = real.split('.');
    for (const token of [`${user.id}.${signature}`, `${user.id}.${'A'.repeat(43)}`, `${user.id}`, 'x', '']) {
      for (const method of ['get', 'post'] as const) {
        const res = await t.http()[method]('/api/v1/email/unsubscribe').query({ token }).expect(400);
        expectValidation(res.body, 'token');
      }
    }
    expectValidation((await t.http().post('/api/v1/email/unsubscribe').expect(400)).body, 'token');
    expect(await settingsOf(user)).toMatchObject({ email_digest: 'daily' });
  });

  it('writes in Russian to a Russian reader', async () => {
    const [reader, sender] = await Promise.all([registerUser(t, 'ru', 'Анна'), registerUser(t, 'sender')]);
    await optIn(reader, 'daily', 'ru');
    const chat = await createChat(t, sender, [reader], { title: 'Кот у гаражей' });
    await send(t, sender, chat.id, 'раз');
    await send(t, sender, chat.id, 'два');
    const arriving = smtp.next(addressOf(reader));
    await backdate(chat.id);
    const mail = await arriving;
    expect(mail.subject).toBe('2 непрочитанных сообщения в 1 чате');
    expect(mail.text).toContain('Здравствуйте, Анна!');
    expect(mail.text).toContain('  • Кот у гаражей: 2\n');
    expect(mail.text).toContain(`Открыть чат: ${WEB}`);
    expect(mail.text).toContain('не чаще раза в день');
    expect(mail.text).toMatch(/Отписаться: https:\/\/api\.example\.org\/api\/v1\/email\/unsubscribe\?token=/);
    expect(mail.html).toContain('<html lang="ru">');
  });

  it('leaves out the chats the reader set to none or muted', async () => {
    const [reader, sender] = await Promise.all([registerUser(t, 'muting'), registerUser(t, 'sender')]);
    await optIn(reader, 'daily', 'en');
    const [quiet, muted, open] = [
      // Three chats of the same two people: three types (one live chat per type and member set).
      await createChat(t, sender, [reader], { title: 'Quiet', chat_type: 'keeper' }),
      await createChat(t, sender, [reader], { title: 'Muted', chat_type: 'vet' }),
      await createChat(t, sender, [reader], { title: 'Open' }),
    ];
    const level = (chatId: number, body: object) =>
      t.http().put(`/api/v1/chats/${chatId}/notifications`).set(reader.auth).send(body).expect(200);
    await level(quiet.id, { level: 'none' });
    await level(muted.id, { level: 'all', muted_until: new Date(Date.now() + 3_600_000).toISOString() });
    for (const chat of [quiet, muted, open]) await send(t, sender, chat.id, 'news');
    const arriving = smtp.next(addressOf(reader));
    for (const chat of [quiet, muted, open]) await backdate(chat.id);
    const mail = await arriving;
    expect(mail.text).toContain('  • Open: 1\n');
    expect(mail.text).not.toContain('Quiet');
    expect(mail.text).not.toContain('Muted');
  });

  it('sends at most one digest per interval, and the next only for messages the last did not announce', async () => {
    const [reader, sender] = await Promise.all([registerUser(t, 'interval'), registerUser(t, 'sender')]);
    await optIn(reader, 'hourly', 'en');
    const chat = await createChat(t, sender, [reader], { title: 'Foster homes' });
    await send(t, sender, chat.id, 'first');
    let arriving = smtp.next(addressOf(reader));
    await backdate(chat.id);
    expect((await arriving).subject).toBe('1 unread message in 1 chat');
    const first = await lastDigest(reader);

    // Within the hour: not due for the scan, and the job itself (a retry, a duplicate) sends nothing.
    await send(t, sender, chat.id, 'second');
    await send(t, sender, chat.id, 'third');
    await backdate(chat.id);
    expect(await isCandidate(reader)).toBe(false);
    await deliver(reader);
    expect(mailsTo(reader)).toHaveLength(1);
    expect(await lastDigest(reader)).toEqual(first);

    // Two hours later: the next digest counts every unread message.
    arriving = smtp.next(addressOf(reader));
    await ageLastDigest(reader);
    expect((await arriving).subject).toBe('3 unread messages in 1 chat');

    // Another hour with nothing new since: no digest repeating the same unread messages.
    await t.db.query(
      `UPDATE email_digests SET sent_at = sent_at - interval '61 minutes' WHERE user_id = $1`,
      [reader.id],
    );
    expect(await isCandidate(reader)).toBe(false);
    await deliver(reader);
    expect(mailsTo(reader)).toHaveLength(2);
  });

  it('sends one digest when jobs for the same user run at once (a duplicate, a retry racing)', async () => {
    const [reader, sender] = await Promise.all([registerUser(t, 'racing'), registerUser(t, 'sender')]);
    await optIn(reader, 'hourly', 'en');
    const chat = await createChat(t, sender, [reader]);
    await send(t, sender, chat.id, 'hello');
    await backdate(chat.id);
    // The scan's own job may be among them: the row lock lets one through.
    await Promise.all([deliver(reader), deliver(reader), deliver(reader)]);
    if (mailsTo(reader).length === 0) await smtp.next(addressOf(reader));
    expect(await lastDigest(reader)).toEqual({ sent_at: expect.any(Date) });
    await deliver(reader);
    expect(mailsTo(reader)).toHaveLength(1);
  });

  it('sends nothing while the reader has a socket connected, and the digest once they leave', async () => {
    const [reader, sender] = await Promise.all([registerUser(t, 'online'), registerUser(t, 'sender')]);
    await optIn(reader, 'hourly', 'en');
    const socket = await connectAs(t, reader);
    const chat = await createChat(t, sender, [reader], { title: 'Vets' });
    await send(t, sender, chat.id, 'come now');
    await backdate(chat.id);
    expect(await isCandidate(reader)).toBe(true);
    await deliver(reader);
    expect(mailsTo(reader)).toHaveLength(0);
    expect(await lastDigest(reader)).toBeUndefined();

    const arriving = smtp.next(addressOf(reader));
    socket.disconnect();
    expect((await arriving).subject).toBe('1 unread message in 1 chat');
  });

  it('sends nothing when everything is read, or when the unread messages are younger than the delay', async () => {
    const [read, recent, sender] = await Promise.all([
      registerUser(t, 'read'),
      registerUser(t, 'recent'),
      registerUser(t, 'sender'),
    ]);
    await optIn(read, 'hourly', 'en');
    await optIn(recent, 'hourly', 'en');
    const readChat = await createChat(t, sender, [read]);
    await send(t, sender, readChat.id, 'seen');
    await t.http().patch(`/api/v1/chats/${readChat.id}/unread`).set(read.auth).send({}).expect(200);
    await backdate(readChat.id);
    const recentChat = await createChat(t, sender, [recent]);
    await send(t, sender, recentChat.id, 'just now');

    for (const user of [read, recent]) {
      expect(await isCandidate(user)).toBe(false);
      await deliver(user);
      expect(mailsTo(user)).toHaveLength(0);
      expect(await lastDigest(user)).toBeUndefined();
    }
  });

  it('counts a refused mail as failed and gives its claim back for the retry', async () => {
    const metric = async (name: string) => {
      const text = (await t.http().get('/metrics').expect(200)).text;
      return Number(new RegExp(`^${name}\\{kind="digest"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    };
    const [sentBefore, failedBefore] = [
      await metric('chat_emails_sent_total'),
      await metric('chat_emails_failed_total'),
    ];
    expect(sentBefore).toBeGreaterThan(0);
    const [reader, sender] = await Promise.all([registerUser(t, 'refused'), registerUser(t, 'sender')]);
    await optIn(reader, 'hourly', 'en');
    const chat = await createChat(t, sender, [reader]);
    await send(t, sender, chat.id, 'hello');
    smtp.refuse(1);
    await backdate(chat.id);
    const deadline = Date.now() + 10_000;
    while (
      (await metric('chat_emails_failed_total')) === failedBefore ||
      (await lastDigest(reader)) !== undefined
    ) {
      if (Date.now() > deadline) throw new Error('no refused digest');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await metric('chat_emails_failed_total')).toBe(failedBefore + 1);
    expect(mailsTo(reader)).toHaveLength(0);
    // Given back: the scan finds the user due, but the failed job, waiting for its retry, is the
    // user's one job in flight (no second is queued).
    expect(await isCandidate(reader)).toBe(true);
    expect(await t.app.get(DigestScheduler).scan()).toBe(0);
  });
});

/** Two instances on one Redis and one job queue: presence counted across them, one digest. */
describe('e-mail digests across two instances (e2e)', () => {
  const prefix = `test-digests-${randomBytes(6).toString('hex')}`;
  let smtp: TestSmtp;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    smtp = await startSmtp();
    const env = {
      ...MANY_REQUESTS,
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'digest@example.org',
      PUBLIC_WEB_URL: WEB,
      EMAIL_DIGEST_DELAY_SECONDS: String(DELAY_SECONDS),
      EMAIL_DIGEST_SCAN_SECONDS: '1',
    };
    [a, b] = await Promise.all([startApp(env), startApp(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await smtp?.close();
  });

  it('sends nothing while the reader has a socket on the other instance, then exactly one digest', async () => {
    const [reader, sender] = await Promise.all([registerUser(a, 'cluster'), registerUser(a, 'sender')]);
    const email = `${reader.username}@example.org`;
    await a
      .http()
      .patch('/api/v1/users/me/settings')
      .set(reader.auth)
      .send({ email, email_digest: 'hourly' })
      .expect(200);
    const socket = await connectAs(b, reader);
    const chat = await createChat(a, sender, [reader], { title: 'Trappers' });
    await send(a, sender, chat.id, 'the dog is back at the garages');
    await a.db.query(`UPDATE messages SET created_at = created_at - interval '2 hours' WHERE chat_id = $1`, [
      chat.id,
    ]);
    await a.app.get(DigestSender).deliver(reader.id);
    expect(smtp.received).toHaveLength(0);

    const arriving = smtp.next(email);
    socket.disconnect();
    expect((await arriving).subject).toBe('1 непрочитанное сообщение в 1 чате');
    // Both instances scan every second: a few more scans find it sent.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(smtp.received.filter(({ to }) => to.includes(email))).toHaveLength(1);
  });
});
