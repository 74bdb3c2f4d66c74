import type { TestApp } from './app.fixture';
import { API } from './messages.helpers';
import type { BrowserSubscription } from './push-service.fixture';
import type { TestUser } from './users.helpers';

/** Stores the browser subscription for `user` (POST /push/subscriptions); its id. */
export async function subscribePush(t: TestApp, user: TestUser, sub: BrowserSubscription): Promise<number> {
  const res = await t
    .http()
    .post(`${API}/push/subscriptions`)
    .set(user.auth)
    .send({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys })
    .expect(201);
  return (res.body as { id: number }).id;
}

/** PUT /chats/:chat_id/notifications as `user`; the answer. */
export async function setNotifications(
  t: TestApp,
  user: TestUser,
  chatId: number,
  body: { level: string; muted_until?: string | null },
): Promise<{ level: string; muted_until: string | null }> {
  const res = await t
    .http()
    .put(`${API}/chats/${chatId}/notifications`)
    .set(user.auth)
    .send(body)
    .expect(200);
  return res.body as { level: string; muted_until: string | null };
}

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * PushSubscription.toJSON() of a browser on Chrome's push service (one of the default allowed
 * hosts), with an endpoint of its own each time: for suites that store subscriptions and never
 * push to them.
 */
export function chromeSubscription(): {
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
} {
  return {
    endpoint: `https://fcm.googleapis.com/fcm/send/${Math.random().toString(36).slice(2)}`,
    expirationTime: null,
    keys: {
      p256dh: 'BH7dlt3bt--ExpNVvlDZmmnsC842en6dajO9sim225ZKFCUWEArpy7jv-o986cPSB0ksmZNvjVJ4OMvYJzGKTQY',
      auth: 'AAECAwQFBgcICQoLDA0ODw',
    },
  };
}
