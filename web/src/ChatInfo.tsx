import { useEffect, useState } from 'preact/hooks';
import { ChatApiError, unwrap } from '../../client/src/index.ts';
import { Avatar, chatTitle, Header } from './common.tsx';
import { t } from './i18n.ts';
import { useLive, useSnapshot, type App } from './session.ts';

interface Invite {
  code: string;
  expires_at: string | null;
  max_uses: number | null;
  uses: number;
}
type Level = 'all' | 'mentions' | 'none';

export function ChatInfo({ app, chatId }: { app: App; chatId: number }) {
  const { chats, me } = useSnapshot(app);
  const live = useLive(app);
  const chat = chats.find((c) => c.id === chatId);
  const [invites, setInvites] = useState<Invite[]>([]);
  const [copied, setCopied] = useState('');
  const [level, setLevel] = useState<Level | null>(null);
  const [note, setNote] = useState('');
  const failed = (e: unknown) => setNote(e instanceof ChatApiError ? e.message : t('error'));
  const manager = chat?.my_role === 'owner' || chat?.my_role === 'admin';

  useEffect(() => {
    if (!manager) return;
    void app.chat.api.GET('/api/v1/chats/{chat_id}/invites', { params: { path: { chat_id: chatId } } }).then(
      (r) => setInvites(unwrap(r).items as Invite[]),
      () => {},
    );
  }, [manager, chatId]);
  useEffect(() => {
    const notifications = (chat as { notifications?: { level: Level } } | undefined)?.notifications;
    if (notifications) setLevel(notifications.level);
  }, [chat]);

  if (!chat)
    return (
      <div class="screen">
        <Header back="/" title="…" />
      </div>
    );
  const link = (code: string) =>
    `${location.origin}${import.meta.env.BASE_URL}invite/${encodeURIComponent(code)}`;

  const setRole = (userId: number, role: 'admin' | 'member') =>
    void app.chat.api
      .PATCH('/api/v1/chats/{chat_id}/members/{user_id}', {
        params: { path: { chat_id: chatId, user_id: userId } },
        body: { role },
      })
      .then(unwrap)
      .catch(failed);
  const remove = (userId: number) =>
    confirm(`${t('remove')}?`) &&
    void app.chat.api
      .DELETE('/api/v1/chats/{chat_id}/members/{user_id}', {
        params: { path: { chat_id: chatId, user_id: userId } },
      })
      .then(unwrap)
      .catch(failed);
  const createInvite = async () => {
    const invite = unwrap(
      await app.chat.api.POST('/api/v1/chats/{chat_id}/invites', {
        params: { path: { chat_id: chatId } },
        body: {},
      }),
    ) as Invite;
    setInvites((list) => [invite, ...list]);
  };
  const copy = async (code: string) => {
    await navigator.clipboard?.writeText(link(code)).catch(() => {});
    setCopied(code);
  };
  const changeLevel = async (next: Level) => {
    const answer = await app
      .raw<{ level: Level }>('PUT', `/chats/${chatId}/notifications`, { level: next })
      .catch(() => null);
    if (answer) setLevel(answer.level);
  };

  return (
    <div class="screen">
      <Header back={`/chat/${chatId}`} title={t('info')} />
      <div class="page">
        <div class="info-head">
          <Avatar url={chat.avatar_url} name={chatTitle(chat, me)} />
          <h2>{chatTitle(chat, me)}</h2>
        </div>
        {level && (
          <section>
            <h3>{t('notifications')}</h3>
            <select value={level} onChange={(e) => void changeLevel(e.currentTarget.value as Level)}>
              {(['all', 'mentions', 'none'] as const).map((l) => (
                <option value={l}>{t(`level_${l}`)}</option>
              ))}
            </select>
          </section>
        )}
        {note && (
          <p class="error" role="alert">
            {note}
          </p>
        )}
        <section>
          <h3>
            {t('members')} ({chat.members.length})
          </h3>
          <ul class="members">
            {chat.members.map((m) => (
              <li key={m.user_id}>
                <Avatar
                  url={m.avatar_url}
                  name={m.display_name}
                  online={m.user_id === me?.id || live.online.has(m.user_id)}
                />
                <span class="grow">
                  {m.display_name} <small class="muted">@{m.username}</small>
                  <br />
                  <small class={`role ${m.role}`}>{t(`role_${m.role}`)}</small>
                </span>
                {manager && m.user_id !== me?.id && m.role !== 'owner' && (
                  <span class="member-actions">
                    {chat.my_role === 'owner' && (
                      <button
                        class="link"
                        onClick={() => setRole(m.user_id, m.role === 'admin' ? 'member' : 'admin')}
                      >
                        {t(m.role === 'admin' ? 'makeMember' : 'makeAdmin')}
                      </button>
                    )}
                    <button class="link danger" onClick={() => remove(m.user_id)}>
                      {t('remove')}
                    </button>
                  </span>
                )}
              </li>
            ))}
          </ul>
        </section>
        {manager && (
          <section>
            <h3>{t('invites')}</h3>
            <button onClick={() => void createInvite().catch(failed)}>{t('createInvite')}</button>
            <ul class="invites">
              {invites.map((i) => (
                <li key={i.code}>
                  <input readOnly value={link(i.code)} onFocus={(e) => e.currentTarget.select()} />
                  <button class="link" onClick={() => void copy(i.code)}>
                    {copied === i.code ? t('copied') : t('copy')}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
    </div>
  );
}
