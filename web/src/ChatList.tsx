import { Avatar, chatTitle, Header, otherMember } from './common.tsx';
import { formatTime, t } from './i18n.ts';
import { linkProps } from './router.ts';
import { useLive, useSnapshot, type App } from './session.ts';
import { Icon } from './icons.tsx';

export function ChatList({ app }: { app: App }) {
  const { chats, me, connection } = useSnapshot(app);
  const live = useLive(app);
  return (
    <div class="screen">
      <Header title={connection === 'online' ? t('chats') : t('connecting')}>
        <a class="icon" aria-label={t('newChat')} {...linkProps('/new')}>
          <Icon name="plus" />
        </a>
        <a class="icon" aria-label={t('search')} {...linkProps('/search')}>
          <Icon name="search" />
        </a>
        <a class="icon" aria-label={t('settings')} {...linkProps('/settings')}>
          <Icon name="settings" />
        </a>
      </Header>
      <ul class="chats">
        {chats.length === 0 && <li class="empty">{t('noChats')}</li>}
        {chats.map((chat) => {
          const title = chatTitle(chat, me);
          const other = otherMember(chat, me);
          const last = chat.last_message;
          const preview = last
            ? (last.sender_id === me?.id ? `${t('you')}: ` : '') +
              (last.content ||
                (last.attachments[0]?.kind === 'voice'
                  ? t('voice')
                  : last.attachments.length
                    ? t('photo')
                    : last.location
                      ? t('location')
                      : ''))
            : '';
          return (
            <li key={chat.id}>
              <a class="chat-row" data-chat-id={chat.id} {...linkProps(`/chat/${chat.id}`)}>
                <Avatar
                  url={chat.avatar_url}
                  name={title}
                  online={other === undefined ? undefined : live.online.has(other)}
                />
                <span class="chat-main">
                  <span class="chat-title">{title}</span>
                  <span class="chat-preview">{live.typers(chat.id).length ? t('typing') : preview}</span>
                </span>
                <span class="chat-meta">
                  {last && <time>{formatTime(last.created_at)}</time>}
                  <span class="badges">
                    {chat.unread_mentions_count > 0 && <b class="badge mention">@</b>}
                    {chat.unread_count > 0 && <b class="badge unread">{chat.unread_count}</b>}
                  </span>
                </span>
              </a>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
