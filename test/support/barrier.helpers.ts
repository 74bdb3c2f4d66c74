import type { TestApp } from './app.fixture';
import { ChatBody, createChat } from './chats.helpers';
import { send } from './messages.helpers';
import { ClientSocket, waitForEvent } from './sockets.helpers';
import type { TestUser } from './users.helpers';

/**
 * A barrier for "never receives" checks: sends a marker to the user's favorites chat (made on first
 * use) and waits until the socket has it. Every event the server emitted to that socket before is
 * then already in its EventLog.
 */
export function favoritesBarrier(t: TestApp): (user: TestUser, socket: ClientSocket) => Promise<void> {
  const favorites = new Map<number, ChatBody>();
  return async (user, socket) => {
    let chat = favorites.get(user.id);
    if (!chat) {
      chat = await createChat(t, user, []);
      favorites.set(user.id, chat);
    }
    const marker = `barrier ${Math.random()}`;
    const arrived = waitForEvent(socket, 'message:new', 5000, (m) => m.content === marker);
    await send(t, user, chat.id, marker);
    await arrived;
  };
}
