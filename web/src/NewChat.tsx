import { useEffect, useState } from 'preact/hooks';
import { ChatApiError, unwrap, type User } from '../../client/src/index.ts';
import { Avatar, Header } from './common.tsx';
import { t } from './i18n.ts';
import { navigate } from './router.ts';
import type { App } from './session.ts';

/** A new chat: people found by name (GET /users?search=), an optional title. */
export function NewChat({ app }: { app: App }) {
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<User[]>([]);
  const [picked, setPicked] = useState<User[]>([]);
  const [title, setTitle] = useState('');
  const [note, setNote] = useState('');

  useEffect(() => {
    const search = query.trim();
    if (!search) return setFound([]);
    const timer = setTimeout(() => {
      void app.chat.api
        .GET('/api/v1/users', { params: { query: { search, limit: 20 } } })
        .then((r) => setFound(unwrap(r).items))
        .catch(() => setFound([]));
    }, 250);
    return () => clearTimeout(timer);
  }, [query]);

  const me = app.chat.store.getSnapshot().me;
  const toggle = (user: User) =>
    setPicked((list) =>
      list.some((u) => u.id === user.id) ? list.filter((u) => u.id !== user.id) : [...list, user],
    );
  const create = async (e: Event) => {
    e.preventDefault();
    try {
      const chat = unwrap(
        await app.chat.api.POST('/api/v1/chats', {
          body: {
            member_ids: picked.map((u) => u.id),
            chat_type: 'other',
            visibility: 'private',
            ...(title.trim() ? { title: title.trim() } : {}),
          },
        }),
      );
      await app.chat.loadChats();
      navigate(`/chat/${chat.id}`, true);
    } catch (error) {
      setNote(error instanceof ChatApiError ? error.message : t('error'));
    }
  };

  return (
    <div class="screen">
      <Header back="/" title={t('newChat')} />
      <form class="page" onSubmit={(e) => void create(e)}>
        <input
          type="search"
          name="people"
          placeholder={t('findPeople')}
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        <ul class="members">
          {[...picked, ...found.filter((u) => u.id !== me?.id && !picked.some((p) => p.id === u.id))].map(
            (u) => (
              <li key={u.id} onClick={() => toggle(u)} class="pick">
                <input
                  type="checkbox"
                  checked={picked.some((p) => p.id === u.id)}
                  aria-label={u.display_name}
                />
                <Avatar url={u.avatar_url} name={u.display_name} />
                <span class="grow">
                  {u.display_name} <small class="muted">@{u.username}</small>
                </span>
              </li>
            ),
          )}
        </ul>
        {picked.length > 1 && (
          <input
            name="title"
            placeholder={t('chatTitle')}
            value={title}
            onInput={(e) => setTitle(e.currentTarget.value)}
          />
        )}
        {note && (
          <p class="error" role="alert">
            {note}
          </p>
        )}
        <p>
          <button type="submit" disabled={picked.length === 0}>
            {t('create')}
          </button>
        </p>
      </form>
    </div>
  );
}
