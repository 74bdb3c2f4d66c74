import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Attachment, Chat, ChatMessage, StoredMessage } from '../../client/src/index.ts';
import { Avatar, chatTitle, Header, otherMember } from './common.tsx';
import { formatTime, t } from './i18n.ts';
import { linkProps } from './router.ts';
import { useLive, useSnapshot, type App } from './session.ts';
import { VoiceRecorder } from './VoiceRecorder.tsx';
import { Icon } from './icons.tsx';

const EMOJIS = ['👍', '❤️', '😂', '😮', '😢', '🙏'];

export function ChatView({ app, chatId }: { app: App; chatId: number }) {
  const { chats, messages, me, connection } = useSnapshot(app);
  const live = useLive(app);
  const chat = chats.find((c) => c.id === chatId);
  const list = messages.get(chatId);
  const items = list?.items ?? [];
  const scroller = useRef<HTMLDivElement>(null);
  const anchor = useRef<{ height: number; top: number } | null>(null);
  const stick = useRef(true);
  const loading = useRef(false);
  const [selected, setSelected] = useState<number | null>(null);
  const [replyTo, setReplyTo] = useState<StoredMessage | null>(null);
  const [editing, setEditing] = useState<StoredMessage | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    app.chat.openChat(chatId).catch(() => setError(t('error')));
  }, [chatId]);

  // Keep the view at the bottom for new messages, and in place when older ones are prepended.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (anchor.current) {
      el.scrollTop = el.scrollHeight - anchor.current.height + anchor.current.top;
      anchor.current = null;
    } else if (stick.current) el.scrollTop = el.scrollHeight;
  }, [items]);

  // Read receipts: mark the chat read while it is on screen.
  const lastSeq = [...items].reverse().find((m): m is StoredMessage => m.status === 'sent')?.seq ?? 0;
  useEffect(() => {
    if (chat && chat.unread_count > 0 && lastSeq && document.visibilityState === 'visible')
      void app.chat.markRead(chatId).catch(() => {});
  }, [lastSeq, chat?.unread_count]);

  const onScroll = () => {
    const el = scroller.current!;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 120 && list?.hasOlder && !loading.current) {
      loading.current = true;
      anchor.current = { height: el.scrollHeight, top: el.scrollTop };
      app.chat
        .loadOlder(chatId)
        .catch(() => (anchor.current = null))
        .finally(() => (loading.current = false));
    }
  };

  const title = chat ? chatTitle(chat, me) : '…';
  const other = chat ? otherMember(chat, me) : undefined;
  const typers = live.typers(chatId).filter((id) => id !== me?.id);
  const typerNames = typers
    .map((id) => chat?.members.find((m) => m.user_id === id)?.display_name ?? '')
    .join(', ');
  const status =
    connection !== 'online'
      ? t('connecting')
      : typers.length
        ? `${typerNames} ${t('typing')}`
        : other !== undefined
          ? t(live.online.has(other) ? 'online' : 'offline')
          : `${chat?.members.length ?? 0} · ${t('members').toLowerCase()}`;
  const canModerate = chat?.my_role === 'owner' || chat?.my_role === 'admin';

  return (
    <div class="screen chat">
      <Header
        back="/"
        title={
          <a class="chat-head" {...linkProps(`/chat/${chatId}/info`)}>
            <Avatar
              url={chat?.avatar_url ?? null}
              name={title}
              online={other === undefined ? undefined : live.online.has(other)}
            />
            <span>
              <b>{title}</b>
              <small class={typers.length ? 'typing' : ''}>{status}</small>
            </span>
          </a>
        }
      />
      <div class="messages" ref={scroller} onScroll={onScroll}>
        {list?.hasOlder && <div class="muted center">{t('loadingOlder')}</div>}
        {list && items.length === 0 && <div class="muted center">{t('noMessages')}</div>}
        {error && <div class="error center">{error}</div>}
        {items.map((m) => (
          <MessageView
            key={m.key}
            app={app}
            chat={chat}
            m={m}
            mine={m.status !== 'sent' || m.sender_id === me?.id}
            myId={me?.id ?? 0}
            selected={m.status === 'sent' && selected === m.id}
            onSelect={() => m.status === 'sent' && setSelected(selected === m.id ? null : m.id)}
            onReply={() => {
              setReplyTo(m as StoredMessage);
              setSelected(null);
            }}
            onEdit={() => {
              setEditing(m as StoredMessage);
              setSelected(null);
            }}
            canDelete={canModerate}
          />
        ))}
      </div>
      <Composer
        app={app}
        chatId={chatId}
        replyTo={replyTo}
        editing={editing}
        onDone={() => {
          setReplyTo(null);
          setEditing(null);
          stick.current = true;
        }}
      />
    </div>
  );
}

interface MessageProps {
  app: App;
  chat: Chat | undefined;
  m: ChatMessage;
  mine: boolean;
  myId: number;
  selected: boolean;
  canDelete: boolean;
  onSelect: () => void;
  onReply: () => void;
  onEdit: () => void;
}

function MessageView({
  app,
  chat,
  m,
  mine,
  myId,
  selected,
  canDelete,
  onSelect,
  onReply,
  onEdit,
}: MessageProps) {
  if (m.status !== 'sent') {
    return (
      <div class={`msg mine ${m.status}`} data-status={m.status}>
        <div class="bubble">
          {m.input.content && <p class="text">{m.input.content}</p>}
          {(m.input.attachment_ids?.length ?? 0) > 0 && <p class="muted">{t('photo')}…</p>}
          <div class="meta">
            {m.status === 'failed' ? (
              <>
                <span class="error">{t('failed')}</span>{' '}
                <button class="link" onClick={() => app.chat.retry(m.client_message_id)}>
                  {t('retry')}
                </button>{' '}
                <button class="link" onClick={() => app.chat.discard(m.client_message_id)}>
                  {t('delete')}
                </button>
              </>
            ) : (
              t('sending')
            )}
          </div>
        </div>
      </div>
    );
  }
  const readByOthers = chat?.members.some((x) => x.user_id !== myId && x.last_read_seq >= m.seq) ?? false;
  return (
    <div class={`msg ${mine ? 'mine' : ''} ${selected ? 'selected' : ''}`} data-message-id={m.id}>
      <div class="bubble" onClick={onSelect}>
        {!mine && <div class="sender">{m.sender_name}</div>}
        {m.reply_to && (
          <div class="reply-preview">
            <b>{m.reply_to.sender_name}</b>
            <span>{m.reply_to.deleted ? t('deleted') : m.reply_to.content || t('photo')}</span>
          </div>
        )}
        {m.attachments.map((a) => (
          <AttachmentView key={a.id} a={a} />
        ))}
        {m.location && (
          <a
            class="location"
            target="_blank"
            rel="noopener"
            href={`https://www.openstreetmap.org/?mlat=${m.location.latitude}&mlon=${m.location.longitude}#map=17/${m.location.latitude}/${m.location.longitude}`}
            onClick={(e) => e.stopPropagation()}
          >
            <Icon name="pin" />{' '}
            {m.location.label ?? `${m.location.latitude.toFixed(5)}, ${m.location.longitude.toFixed(5)}`}
          </a>
        )}
        {m.content && <p class="text">{m.content}</p>}
        <div class="meta">
          {m.edited_at && <span>{t('edited')} · </span>}
          <time>{formatTime(m.created_at)}</time>
          {mine && (
            <span class="ticks" title={t(readByOthers ? 'read' : 'delivered')}>
              {readByOthers ? ' ✓✓' : ' ✓'}
            </span>
          )}
        </div>
      </div>
      {m.reactions.length > 0 && (
        <div class="reactions">
          {m.reactions.map((r) => (
            <button
              key={r.emoji}
              class={r.me ? 'reaction me' : 'reaction'}
              onClick={() => void app.chat.react(m.chat_id, m.id, r.emoji, !r.me).catch(() => {})}
            >
              {r.emoji} {r.count}
            </button>
          ))}
        </div>
      )}
      {selected && (
        <div class="actions">
          <div class="emoji-row">
            {EMOJIS.map((e) => (
              <button
                key={e}
                onClick={() =>
                  void app.chat
                    .react(m.chat_id, m.id, e, !m.reactions.some((r) => r.emoji === e && r.me))
                    .then(onSelect, () => {})
                }
              >
                {e}
              </button>
            ))}
          </div>
          <button onClick={onReply}>{t('reply')}</button>
          {mine && m.content !== '' && <button onClick={onEdit}>{t('edit')}</button>}
          {(mine || canDelete) && (
            <button
              class="danger"
              onClick={() =>
                confirm(`${t('delete')}?`) && void app.chat.delete(m.chat_id, m.id).catch(() => {})
              }
            >
              {t('delete')}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function AttachmentView({ a }: { a: Attachment }) {
  if (a.kind === 'image')
    return (
      <a class="photo" href={a.url} target="_blank" rel="noopener" onClick={(e) => e.stopPropagation()}>
        <img
          src={a.thumbnail_url ?? a.url}
          alt={a.name ?? t('photo')}
          width={a.width ?? undefined}
          height={a.height ?? undefined}
          loading="lazy"
        />
      </a>
    );
  if (a.kind === 'voice')
    return <audio class="voice" controls preload="none" src={a.url} onClick={(e) => e.stopPropagation()} />;
  return (
    <a class="file" href={a.url} target="_blank" rel="noopener">
      📎 {a.name ?? a.mime_type}
    </a>
  );
}

interface ComposerProps {
  app: App;
  chatId: number;
  replyTo: StoredMessage | null;
  editing: StoredMessage | null;
  onDone: () => void;
}

function Composer({ app, chatId, replyTo, editing, onDone }: ComposerProps) {
  const [text, setText] = useState('');
  const [photo, setPhoto] = useState<{ file: File; preview: string } | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [note, setNote] = useState('');
  const lastTyping = useRef(0);
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (editing) setText(editing.content);
  }, [editing]);
  useEffect(() => () => photo && URL.revokeObjectURL(photo.preview), [photo]);

  const onInput = (value: string) => {
    setText(value);
    if (Date.now() - lastTyping.current > 3000 && value) {
      lastTyping.current = Date.now();
      void app.chat.typing(chatId, true).catch(() => {});
    }
  };

  const reset = () => {
    setText('');
    setPhoto(null);
    setProgress(null);
    if (lastTyping.current) void app.chat.typing(chatId, false).catch(() => {});
    lastTyping.current = 0;
    onDone();
  };

  const submit = async (e?: Event) => {
    e?.preventDefault();
    const content = text.trim();
    if (editing) {
      if (content && content !== editing.content)
        await app.chat.edit(chatId, editing.id, content).catch(() => setNote(t('error')));
      return reset();
    }
    if (!content && !photo) return;
    let attachment_ids: number[] | undefined;
    if (photo) {
      try {
        setProgress(0);
        const a = await app.chat.upload(photo.file, {
          kind: 'image',
          onProgress: ({ loaded, total }) => setProgress(total ? loaded / total : 0),
        });
        attachment_ids = [a.id];
      } catch {
        setProgress(null);
        setNote(t('error'));
        return;
      }
    }
    // @username of a member mentions them (their unread mention badge).
    const members = app.chat.store.getChat(chatId)?.members ?? [];
    const named = new Set(content.match(/@[\p{L}\p{N}_-]+/gu)?.map((w) => w.slice(1).toLowerCase()));
    const mentions = members.filter((m) => named.has(m.username.toLowerCase())).map((m) => m.user_id);
    app.chat.send(chatId, {
      ...(content ? { content } : {}),
      ...(mentions.length ? { mentions } : {}),
      ...(attachment_ids ? { attachment_ids } : {}),
      ...(replyTo ? { reply_to_id: replyTo.id } : {}),
    });
    reset();
  };

  const sendLocation = () => {
    navigator.geolocation.getCurrentPosition(
      ({ coords }) => {
        app.chat.send(chatId, {
          location: {
            latitude: coords.latitude,
            longitude: coords.longitude,
            accuracy_m: Math.round(coords.accuracy),
          },
          ...(replyTo ? { reply_to_id: replyTo.id } : {}),
        });
        reset();
      },
      () => setNote(t('locationDenied')),
      { enableHighAccuracy: true, timeout: 15000 },
    );
  };

  const sendVoice = async (blob: Blob, waveform: number[]) => {
    try {
      setProgress(0);
      const a = await app.chat.upload(blob, {
        kind: 'voice',
        waveform,
        name: 'voice.webm',
        onProgress: ({ loaded, total }) => setProgress(total ? loaded / total : 0),
      });
      app.chat.send(chatId, { attachment_ids: [a.id], ...(replyTo ? { reply_to_id: replyTo.id } : {}) });
      reset();
    } catch {
      setProgress(null);
      setNote(t('error'));
    }
  };

  return (
    <form class="composer" onSubmit={(e) => void submit(e)}>
      {(replyTo || editing) && (
        <div class="context">
          <span>
            <b>{editing ? t('edit') : replyTo!.sender_name}</b> {(editing ?? replyTo)!.content.slice(0, 80)}
          </span>
          <button type="button" class="icon" aria-label={t('cancel')} onClick={reset}>
            ×
          </button>
        </div>
      )}
      {photo && (
        <div class="photo-preview">
          <img src={photo.preview} alt={t('photo')} />
          {progress !== null && <progress max={1} value={progress} aria-label={t('uploading')} />}
          <button type="button" class="icon" aria-label={t('cancel')} onClick={() => setPhoto(null)}>
            ×
          </button>
        </div>
      )}
      {progress !== null && !photo && <progress max={1} value={progress} aria-label={t('uploading')} />}
      {note && (
        <div class="error" role="alert" onClick={() => setNote('')}>
          {note}
        </div>
      )}
      <div class="row">
        {!editing && (
          <>
            <button
              type="button"
              class="icon"
              aria-label={t('attach')}
              onClick={() => fileInput.current?.click()}
            >
              <Icon name="camera" />
            </button>
            <input
              ref={fileInput}
              type="file"
              accept="image/*"
              hidden
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                e.currentTarget.value = '';
                if (file) setPhoto({ file, preview: URL.createObjectURL(file) });
              }}
            />
            <button type="button" class="icon" aria-label={t('location')} onClick={sendLocation}>
              <Icon name="pin" />
            </button>
          </>
        )}
        <textarea
          rows={1}
          name="message"
          placeholder={t('message')}
          value={text}
          onInput={(e) => onInput(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey) void submit(e);
          }}
        />
        {text.trim() || photo || editing ? (
          <button type="submit" class="send" aria-label={t('send')} disabled={progress !== null}>
            <Icon name="send" />
          </button>
        ) : (
          <VoiceRecorder
            onDone={(blob, waveform) => void sendVoice(blob, waveform)}
            onError={() => setNote(t('micDenied'))}
          />
        )}
      </div>
    </form>
  );
}
