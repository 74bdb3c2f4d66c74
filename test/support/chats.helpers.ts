import type { TestApp } from './app.fixture';
import type { TestUser } from './users.helpers';

export interface ChatBody {
  id: number;
  chat_type: string;
  title: string | null;
  post_id: number | null;
  members: { user_id: number; role: string }[];
  my_role: string;
  unread_count: number;
  last_message: unknown;
  created_at: string;
  updated_at: string;
}

/** Creates a chat through the API: `owner` creates it with `others` as members. */
export async function createChat(
  t: TestApp,
  owner: TestUser,
  others: TestUser[],
  extra: { chat_type?: string; title?: string; post_id?: number; visibility?: string } = {},
): Promise<ChatBody> {
  const res = await t
    .http()
    .post('/api/v1/chats')
    .set(owner.auth)
    .send({ member_ids: others.map((u) => u.id), ...extra })
    .expect(201);
  return res.body as ChatBody;
}

/** Makes `user` an admin of the chat (the owner grants it). */
export async function makeAdmin(t: TestApp, chatId: number, owner: TestUser, user: TestUser): Promise<void> {
  await t
    .http()
    .patch(`/api/v1/chats/${chatId}/members/${user.id}`)
    .set(owner.auth)
    .send({ role: 'admin' })
    .expect(200);
}

/** Removes `user` from the chat (by the owner). */
export async function removeMember(
  t: TestApp,
  chatId: number,
  owner: TestUser,
  user: TestUser,
): Promise<void> {
  await t.http().delete(`/api/v1/chats/${chatId}/members/${user.id}`).set(owner.auth).expect(204);
}

/**
 * The six callers of the authorization matrix for one chat: anonymous (no token), a stranger,
 * a removed member, a plain member, an admin and the owner.
 */
export interface Roles {
  chat: ChatBody;
  owner: TestUser;
  admin: TestUser;
  member: TestUser;
  removed: TestUser;
  stranger: TestUser;
}
