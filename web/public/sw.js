// The web client's service worker: shows Web Push notifications and opens the chat on a click.
self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : '' };
  }
  const title = data.title || data.chat_title || 'Rescue chat';
  const chatId = data.chat_id ?? (data.data && data.data.chat_id);
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || data.content || '',
      tag: chatId ? `chat-${chatId}` : undefined,
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
