import { useEffect, useState } from 'preact/hooks';
import { Header } from './common.tsx';
import { t, type Lang } from './i18n.ts';
import type { App } from './session.ts';

type PushState = 'unknown' | 'unavailable' | 'off' | 'on' | 'denied';

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = (base64url + '='.repeat((4 - (base64url.length % 4)) % 4))
    .replace(/-/g, '+')
    .replace(/_/g, '/');
  const raw = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export function SettingsPage({ app, lang, setLang }: { app: App; lang: Lang; setLang: (l: Lang) => void }) {
  const [push, setPush] = useState<PushState>('unknown');
  const [vapid, setVapid] = useState<string | null>(null);

  useEffect(() => {
    if (!('serviceWorker' in navigator) || !('PushManager' in window)) return setPush('unavailable');
    // The Web Push routes may be absent on this server (404): the button then stays hidden.
    void app
      .raw<{ key: string }>('GET', '/push/vapid-public-key')
      .then(async (answer) => {
        if (!answer?.key) return setPush('unavailable');
        setVapid(answer.key);
        if (Notification.permission === 'denied') return setPush('denied');
        const registration = await navigator.serviceWorker.getRegistration(import.meta.env.BASE_URL);
        setPush((await registration?.pushManager.getSubscription()) ? 'on' : 'off');
      })
      .catch(() => setPush('unavailable'));
  }, []);

  const enablePush = async () => {
    if (!vapid) return;
    if ((await Notification.requestPermission()) !== 'granted') return setPush('denied');
    const registration = await navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`, {
      scope: import.meta.env.BASE_URL,
    });
    await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(vapid),
    });
    const saved = await app.raw<{ id: number }>('POST', '/push/subscriptions', subscription.toJSON());
    setPush(saved ? 'on' : 'unavailable');
  };

  const me = app.chat.store.getSnapshot().me;
  return (
    <div class="screen">
      <Header back="/" title={t('settings')} />
      <div class="page">
        {me && (
          <p>
            <b>{me.display_name}</b> <span class="muted">@{me.username}</span>
          </p>
        )}
        <section>
          <h3>{t('language')}</h3>
          <select value={lang} onChange={(e) => setLang(e.currentTarget.value as Lang)}>
            <option value="ru">Русский</option>
            <option value="en">English</option>
          </select>
        </section>
        <section>
          <h3>{t('notifications')}</h3>
          {push === 'off' && (
            <button onClick={() => void enablePush().catch(() => setPush('unavailable'))}>
              {t('pushOn')}
            </button>
          )}
          {push === 'on' && <p>{t('pushOff')}</p>}
          {push === 'denied' && <p class="muted">{t('pushDenied')}</p>}
          {push === 'unavailable' && <p class="muted">{t('pushUnavailable')}</p>}
        </section>
        <section>
          <button class="danger" onClick={app.logout}>
            {t('logout')}
          </button>
        </section>
      </div>
    </div>
  );
}
