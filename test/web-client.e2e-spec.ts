import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { useApp } from './support/app.fixture';
import { createChat } from './support/chats.helpers';
import { png } from './support/media.fixtures';
import { send as sendByApi } from './support/messages.helpers';
import { registerUser, type TestUser } from './support/users.helpers';

const ROOT = join(__dirname, '..');
const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');
/** Debian's Chromium (`apt-get install chromium`); nothing downloads a browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PHONE = { width: 390, height: 844 };

/**
 * The web client (web/, served at /app) in a real Chromium against the real service: two users
 * in two browser contexts on a phone-sized screen chat, send a photo, reply, react, and one of
 * them drops offline and comes back. UPDATE_SCREENSHOTS=1 writes the main screens to docs/screenshots.
 */
describe('web client in Chromium', () => {
  jest.setTimeout(120_000);
  const t = useApp();
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // The build the service serves, fresh from web/src (vite, about a second).
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/vite/bin/vite.js'),
        'build',
        '--config',
        'web/vite.config.mts',
        '--logLevel',
        'warn',
      ],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    );
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // A synthetic microphone (a beep) for the voice message, granted without a prompt.
      args: [
        '--no-sandbox',
        // Containers often have a small /dev/shm.
        '--disable-dev-shm-usage',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
      ],
    });
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
  });

  async function openAs(user: TestUser, path = '/app/', ready = 'header:has-text("Чаты")'): Promise<Page> {
    const context = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      permissions: ['geolocation', 'microphone'],
      geolocation: { latitude: 55.7512, longitude: 37.6184, accuracy: 20 },
    });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => {
      throw error;
    });
    await page.goto(`${t.origin}${path}`);
    await page.fill('input[name=username]', user.username);
    await page.fill('input[name=password]', user.password);
    await page.click('form button[type=submit]');
    await page.locator(ready).first().waitFor();
    return page;
  }

  const shot = async (page: Page, name: string) => {
    if (!process.env.UPDATE_SCREENSHOTS) return;
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  };

  /** The bubble of the message whose text is exactly `text`. */
  const bubble = (page: Page, text: string) =>
    page.locator('.msg .bubble').filter({ has: page.locator(`p.text:text-is("${text}")`) });
  const send = async (page: Page, text: string) => {
    await page.fill('textarea[name=message]', text);
    await page.press('textarea[name=message]', 'Enter');
  };

  it('serves the build at /app: hashed assets immutable, index.html revalidated, SPA paths fall back', async () => {
    const index = await t.http().get('/app/').expect(200);
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    const asset = /\/app\/(assets\/[^"]+\.js)/.exec(index.text)![1];
    const js = await t.http().get(`/app/${asset}`).expect(200);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const deep = await t.http().get('/app/invite/abc').expect(200);
    expect(deep.text).toBe(index.text);
    await t.http().get('/app/assets/missing-0000.js').expect(404);
    await t.http().get('/app/../package.json').expect(404);
    // The API is where it was.
    await t.http().get('/api/v1/users/me').expect(401);
  });

  it('two users chat: text, a photo with its thumbnail, unread badges, a reply, a reaction, offline and back', async () => {
    const alice = await registerUser(t, 'alice', 'Алиса');
    const bob = await registerUser(t, 'bob', 'Борис');
    const chat = await createChat(t, alice, [bob], { title: 'Кошка у подъезда' });
    const a = await openAs(alice);
    const b = await openAs(bob);
    const rowOnB = b.locator(`[data-chat-id="${chat.id}"]`);
    await rowOnB.waitFor();

    // Text from A; B's unread badge moves, then B reads it.
    await a.click(`[data-chat-id="${chat.id}"]`);
    await send(a, 'Нужна переноска');
    await bubble(a, 'Нужна переноска').locator('.ticks').waitFor();
    await rowOnB.locator('.badge.unread', { hasText: '1' }).waitFor();
    await shot(b, 'chat-list');
    await rowOnB.click();
    await bubble(b, 'Нужна переноска').waitFor();
    await b.locator('header', { hasText: 'Кошка у подъезда' }).waitFor();

    // A photo: picked, previewed, uploaded, shown to B as a loaded thumbnail.
    await a.setInputFiles('input[type=file]', {
      name: 'cat.png',
      mimeType: 'image/png',
      buffer: await png(64, 48),
    });
    await a.locator('.photo-preview img').waitFor();
    await a.fill('textarea[name=message]', 'Вот она');
    await a.click('button.send');
    const photoOnB = bubble(b, 'Вот она').locator('.photo img');
    await photoOnB.waitFor();
    await b.waitForFunction(
      (img) => img !== null && img.complete && img.naturalWidth > 0,
      await photoOnB.elementHandle(),
    );
    expect(await photoOnB.getAttribute('src')).toBeTruthy();

    // B replies to the text and reacts to it; both see the reply and the reaction.
    await bubble(b, 'Нужна переноска').click();
    await b.click('.actions button:has-text("Ответить")');
    await send(b, 'Привезу через час');
    await bubble(a, 'Привезу через час').locator('.reply-preview', { hasText: 'Нужна переноска' }).waitFor();
    await bubble(b, 'Привезу через час').locator('.reply-preview').waitFor();
    await bubble(b, 'Нужна переноска').click();
    await b.click('.actions .emoji-row button:has-text("👍")');
    await a.locator('.msg:has(p.text:text-is("Нужна переноска")) .reaction', { hasText: '👍 1' }).waitFor();
    await b
      .locator('.msg:has(p.text:text-is("Нужна переноска")) .reaction.me', { hasText: '👍 1' })
      .waitFor();
    await shot(a, 'chat');

    // B drops offline: what A sends meanwhile and what B writes offline arrive once each.
    await b.context().setOffline(true);
    await send(a, 'Пока тебя не было');
    await send(b, 'Пишу без сети');
    // Really offline: B's message waits in the outbox, A's has not arrived.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await b.locator('.msg[data-status=pending]', { hasText: 'Пишу без сети' }).count()).toBe(1);
    expect(await bubble(b, 'Пока тебя не было').count()).toBe(0);
    await b.context().setOffline(false);
    await bubble(b, 'Пока тебя не было').waitFor();
    await bubble(a, 'Пишу без сети').waitFor();
    await bubble(b, 'Пишу без сети').locator('.ticks').waitFor();
    for (const page of [a, b])
      for (const text of [
        'Нужна переноска',
        'Вот она',
        'Привезу через час',
        'Пока тебя не было',
        'Пишу без сети',
      ])
        expect(await bubble(page, text).count()).toBe(1);
    const stored = await t.db.query<{ n: string }[]>(
      'SELECT count(*) AS n FROM messages WHERE chat_id = $1',
      [chat.id],
    );
    expect(Number(stored[0].n)).toBe(5);
  });

  it('members and roles, an invite link joined in the browser, voice, location, a mention, search, English', async () => {
    const alice = await registerUser(t, 'alice', 'Алиса');
    const bob = await registerUser(t, 'bob', 'Борис');
    const carol = await registerUser(t, 'carol', 'Карина');
    const dave = await registerUser(t, 'dave', 'Денис');
    // Three members: a two-person chat is personal and takes no invite links.
    const chat = await createChat(t, alice, [bob, dave], { title: 'Передержка' });
    const a = await openAs(alice);

    // Members and roles: the owner makes Bob an admin, then creates an invite link.
    await a.click(`[data-chat-id="${chat.id}"]`);
    await send(a, 'Кто возьмёт щенка на передержку?');
    await a.click('.chat-head');
    const bobRow = a.locator('.members li', { hasText: 'Борис' });
    await bobRow.locator('.role', { hasText: 'участник' }).waitFor();
    await bobRow.locator('button', { hasText: 'Сделать админом' }).click();
    await bobRow.locator('.role', { hasText: 'админ' }).waitFor();
    await a.click('button:has-text("Создать ссылку")');
    const link = await a.locator('.invites input').first().inputValue();
    expect(link).toMatch(new RegExp(`^${t.origin}/app/invite/[^/]+$`));
    await shot(a, 'members');

    // Carol opens the link, logs in, joins, and lands in the chat.
    const c = await openAs(carol, new URL(link).pathname, 'button:has-text("Вступить")');
    await c.locator('h2', { hasText: 'Передержка' }).waitFor();
    await c.click('button:has-text("Вступить")');
    await c.locator('header', { hasText: 'Передержка' }).waitFor();
    await bubble(c, 'Кто возьмёт щенка на передержку?').waitFor();
    await a.locator('.members li', { hasText: 'Карина' }).waitFor();
    await a.goBack();

    // A voice message from the (synthetic) microphone, and a location from the browser.
    await c.click('button[aria-label="Записать голосовое"]');
    await c.locator('button.recording').waitFor();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await c.click('button.recording');
    const voiceOnA = a.locator('.msg audio.voice');
    await voiceOnA.waitFor();
    expect(await voiceOnA.getAttribute('src')).toBeTruthy();
    await c.click('button[aria-label="Местоположение"]');
    await a.locator('.msg a.location', { hasText: '55.75120, 37.61840' }).waitFor();

    // A mention: Alice, back on the list, gets the mention badge.
    await a.goBack();
    await a.locator(`[data-chat-id="${chat.id}"]`).waitFor();
    await send(c, `@${alice.username} я могу взять`);
    await a.locator(`[data-chat-id="${chat.id}"] .badge.mention`).waitFor();
    await shot(a, 'chat-list-mention');

    // Search across chats.
    await a.click('a[aria-label="Поиск"]');
    await a.fill('input[name=query]', 'щенка');
    await a.press('input[name=query]', 'Enter');
    await a.locator('.results li', { hasText: 'Кто возьмёт щенка на передержку?' }).waitFor();

    // English, from the settings.
    await c.goto(`${t.origin}/app/settings`);
    await c.selectOption('select', 'en');
    await c.locator('header', { hasText: 'Settings' }).waitFor();
    await c.goto(`${t.origin}/app/`);
    await c.locator('header', { hasText: 'Chats' }).waitFor();
  });

  it('logs in with a pasted token (platform tokens in development), refuses a bad one, logs out', async () => {
    const erin = await registerUser(t, 'erin', 'Эрин');
    const context = await browser.newContext({ viewport: PHONE, isMobile: true });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${t.origin}/app/`);
    await shot(page, 'login');
    await page.fill('textarea[name=token]', 'not-a-token');
    await page.click('form:has(textarea[name=token]) button[type=submit]');
    await page.locator('.error[role=alert]', { hasText: 'Не удалось войти' }).waitFor();
    await page.fill('textarea[name=token]', erin.access_token);
    await page.click('form:has(textarea[name=token]) button[type=submit]');
    await page.locator('header', { hasText: 'Чаты' }).waitFor();
    // Kept across a reload.
    await page.reload();
    await page.locator('header', { hasText: 'Чаты' }).waitFor();
    // A new chat with someone found by name.
    const jan = await registerUser(t, 'jan', 'Ян');
    await page.click('a[aria-label="Новый чат"]');
    await page.fill('input[name=people]', jan.username);
    await page.click(`.pick:has-text("${jan.username}")`);
    await page.click('button:has-text("Создать")');
    await page.locator('header', { hasText: 'Ян' }).waitFor();
    await send(page, 'Привет, Ян');
    await bubble(page, 'Привет, Ян').locator('.ticks').waitFor();
    await page.goBack();
    await page.click('a[aria-label="Настройки"]');
    await page.locator('text=Эрин').waitFor();
    // This service has no Web Push routes yet, or has them: either way the page says which.
    await page.locator('section:has(h3:has-text("Уведомления")) :is(button, p)').first().waitFor();
    await page.click('button:has-text("Выйти")');
    await page.locator('input[name=username]').waitFor();
  });

  it('keeps a message written offline across a reload and sends it once when back online', async () => {
    const fedor = await registerUser(t, 'fedor', 'Фёдор');
    const gala = await registerUser(t, 'gala', 'Галя');
    const chat = await createChat(t, fedor, [gala]);
    const page = await openAs(fedor);
    await page.click(`[data-chat-id="${chat.id}"]`);
    await page.locator('textarea[name=message]').waitFor();
    await page.context().setOffline(true);
    await send(page, 'Написано без сети');
    await page.locator('.msg[data-status=pending]', { hasText: 'Написано без сети' }).waitFor();
    await expect(page.reload()).rejects.toThrow(/ERR_INTERNET_DISCONNECTED/);
    await page.context().setOffline(false);
    await page.goto(`${t.origin}/app/chat/${chat.id}`);
    await bubble(page, 'Написано без сети').locator('.ticks').waitFor();
    expect(await bubble(page, 'Написано без сети').count()).toBe(1);
    const rows = await t.db.query<{ content: string }[]>('SELECT content FROM messages WHERE chat_id = $1', [
      chat.id,
    ]);
    expect(rows.map((r) => r.content)).toEqual(['Написано без сети']);
  });

  it('loads older messages when scrolled to the top (infinite scroll up), in order, each once', async () => {
    const hana = await registerUser(t, 'hana', 'Хана');
    const ivan = await registerUser(t, 'ivan', 'Иван');
    const chat = await createChat(t, hana, [ivan]);
    for (let i = 1; i <= 120; i++) await sendByApi(t, ivan, chat.id, `Сообщение ${i}`);
    const page = await openAs(hana);
    await page.click(`[data-chat-id="${chat.id}"]`);
    await bubble(page, 'Сообщение 120').waitFor();
    // The newest page (50) is shown at the bottom; scrolling up loads the rest, page by page.
    expect(await bubble(page, 'Сообщение 1').count()).toBe(0);
    while ((await bubble(page, 'Сообщение 1').count()) === 0) {
      await page.locator('.messages').evaluate((el) => el.scrollTo(0, 0));
      await page.waitForTimeout(100);
    }
    const texts = await page.locator('.msg p.text').allTextContents();
    expect(texts).toEqual(Array.from({ length: 120 }, (_, i) => `Сообщение ${i + 1}`));
    // Opened with 120 unread, the chat is read now.
    await page.goBack();
    await page.locator(`[data-chat-id="${chat.id}"]`).waitFor();
    expect(await page.locator(`[data-chat-id="${chat.id}"] .badge.unread`).count()).toBe(0);
  });
});
