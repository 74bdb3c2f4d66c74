// The web client's service worker: shows Web Push notifications and opens the chat on a click.
// The payload is the contract's: {chat_id, message_id, seq, chat_title, sender_name, body}, body
// already localized ("Photo", "Voice message", "Location") for media; one notification per chat
// (the tag), as the push service's Topic collapses them.
self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : '' };
  }
  const title = data.chat_title || data.sender_name || 'Rescue chat';
  const text = data.body || '';
  const body = data.sender_name && data.sender_name !== title ? `${data.sender_name}: ${text}` : text;
  const chatId = data.chat_id;
  event.waitUntil(
    self.registration.showNotification(title, {
      body,
      tag: chatId ? `chat-${chatId}` : undefined,
      renotify: true,
      icon: '/app/icon.svg',
      data: { url: chatId ? `/app/chat/${chatId}` : '/app/' },
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/app/';
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((windows) => {
      for (const w of windows) if (w.url.includes('/app/') && 'focus' in w) return w.navigate(url).then((c) => c && c.focus());
      return self.clients.openWindow(url);
    }),
  );
});
