import type { Chat, User } from '../../client/src/index.ts';
import { t } from './i18n.ts';
import { back as goBack } from './router.ts';
import { Icon } from './icons.tsx';

/** A chat's name: its title, or the other members' names. */
export function chatTitle(chat: Chat, me: User | null): string {
  if (chat.title) return chat.title;
  const others = chat.members.filter((m) => m.user_id !== me?.id).map((m) => m.display_name);
  return others.join(', ') || `#${chat.id}`;
}

/** The other member of a two-person chat (for a presence dot). */
export function otherMember(chat: Chat, me: User | null): number | undefined {
  const others = chat.members.filter((m) => m.user_id !== me?.id);
  return others.length === 1 ? others[0].user_id : undefined;
}

export function Avatar({ url, name, online }: { url: string | null; name: string; online?: boolean }) {
  const initials = name
    .split(/\s+/)
    .slice(0, 2)
    .map((w) => w[0] ?? '')
    .join('')
    .toUpperCase();
  let hue = 0;
  for (const c of name) hue = (hue * 31 + c.charCodeAt(0)) % 360;
  return (
    <span class="avatar" style={url ? undefined : { background: `hsl(${hue} 45% 45%)` }}>
      {url ? <img src={url} alt="" loading="lazy" /> : initials}
      {online !== undefined && (
        <i class={online ? 'dot on' : 'dot'} title={t(online ? 'online' : 'offline')} />
      )}
    </span>
  );
}

export function Header({
  title,
  back,
  children,
}: {
  title: preact.ComponentChildren;
  back?: string;
  children?: preact.ComponentChildren;
}) {
  return (
    <header class="bar">
      {back !== undefined && (
        <button class="icon" aria-label={t('back')} onClick={() => goBack(back)}>
          <Icon name="back" />
        </button>
      )}
      <div class="title">{title}</div>
      {children}
    </header>
  );
}
