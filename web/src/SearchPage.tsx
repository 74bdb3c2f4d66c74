import { useState } from 'preact/hooks';
import { unwrap } from '../../client/src/index.ts';
import { Header } from './common.tsx';
import { formatTime, t } from './i18n.ts';
import { linkProps } from './router.ts';
import type { App } from './session.ts';

type Results = {
  message: { id: number; content: string; sender_name: string; created_at: string };
  chat: { id: number; title: string | null };
}[];

export function SearchPage({ app }: { app: App }) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Results | null>(null);
  const search = async (e: Event) => {
    e.preventDefault();
    if (!query.trim()) return;
    const page = unwrap(
      await app.chat.api.GET('/api/v1/messages/search', {
        params: { query: { query: query.trim(), limit: 50 } },
      }),
    );
    setResults(page.items);
  };
  return (
    <div class="screen">
      <Header back="/" title={t('search')} />
      <form class="search" onSubmit={(e) => void search(e).catch(() => setResults([]))}>
        <input
          type="search"
          name="query"
          autofocus
          placeholder={t('searchPlaceholder')}
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </form>
      <ul class="results">
        {results?.length === 0 && <li class="empty">{t('nothingFound')}</li>}
        {results?.map((r) => (
          <li key={r.message.id}>
            <a {...linkProps(`/chat/${r.chat.id}`)}>
              <b>{r.chat.title ?? `#${r.chat.id}`}</b> ·{' '}
              <small class="muted">
                {r.message.sender_name}, {formatTime(r.message.created_at)}
              </small>
              <div>{r.message.content}</div>
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
