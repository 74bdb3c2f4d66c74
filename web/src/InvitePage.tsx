import { useEffect, useState } from 'preact/hooks';
import { unwrap } from '../../client/src/index.ts';
import { Avatar, Header } from './common.tsx';
import { t } from './i18n.ts';
import { navigate } from './router.ts';
import type { App } from './session.ts';

export function InvitePage({ app, code }: { app: App; code: string }) {
  const [preview, setPreview] = useState<{
    title: string | null;
    avatar_url: string | null;
    member_count: number;
  } | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    void app.chat.api.GET('/api/v1/invites/{code}', { params: { path: { code } } }).then(
      (r) => setPreview(unwrap(r).chat),
      () => setError(t('inviteExpired')),
    );
  }, [code]);
  const join = async () => {
    try {
      const chat = unwrap(
        await app.chat.api.POST('/api/v1/invites/{code}/join', { params: { path: { code } } }),
      );
      await app.chat.loadChats();
      navigate(`/chat/${chat.id}`, true);
    } catch {
      setError(t('inviteExpired'));
    }
  };
  return (
    <div class="screen">
      <Header back="/" title={t('inviteTo')} />
      <div class="page center">
        {error && <p class="error">{error}</p>}
        {preview && (
          <>
            <Avatar url={preview.avatar_url} name={preview.title ?? '#'} />
            <h2>{preview.title}</h2>
            <p class="muted">
              {preview.member_count} · {t('members').toLowerCase()}
            </p>
            <button onClick={() => void join()}>{t('join')}</button>
          </>
        )}
      </div>
    </div>
  );
}
