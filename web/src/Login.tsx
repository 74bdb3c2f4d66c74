import { useState } from 'preact/hooks';
import { t, type Lang } from './i18n.ts';

interface Props {
  onLocal: (username: string, password: string) => Promise<void>;
  onToken: (token: string) => Promise<void>;
  lang: Lang;
  setLang: (lang: Lang) => void;
}

export function Login({ onLocal, onToken, lang, setLang }: Props) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const run = (action: () => Promise<void>) => (e: Event) => {
    e.preventDefault();
    void attempt(action);
  };
  const attempt = async (action: () => Promise<void>) => {
    setBusy(true);
    setError('');
    try {
      await action();
    } catch {
      setError(t('loginFailed'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <h1>{t('appTitle')}</h1>
      <form onSubmit={run(() => onLocal(username, password))}>
        <input
          name="username"
          autocomplete="username"
          placeholder={t('username')}
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
          required
        />
        <input
          name="password"
          type="password"
          autocomplete="current-password"
          placeholder={t('password')}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          required
        />
        <button type="submit" disabled={busy}>
          {t('login')}
        </button>
      </form>
      <p class="muted">{t('orToken')}</p>
      <form onSubmit={run(() => onToken(token.trim()))}>
        <textarea
          name="token"
          rows={3}
          placeholder={t('token')}
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          required
        />
        <button type="submit" disabled={busy}>
          {t('useToken')}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="lang">
        <button class="link" disabled={lang === 'ru'} onClick={() => setLang('ru')}>
          Русский
        </button>{' '}
        ·{' '}
        <button class="link" disabled={lang === 'en'} onClick={() => setLang('en')}>
          English
        </button>
      </p>
    </main>
  );
}
