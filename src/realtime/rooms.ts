import type { RealtimeSocket } from './realtime-server';

/** Every socket of a user joins its user room; every socket of an active member joins the chat room. */
export const userRoom = (userId: number): string => `user:${userId}`;
export const chatRoom = (chatId: number): string => `chat:${chatId}`;
export const isChatRoom = (room: string): boolean => room.startsWith('chat:');

/** Takes the socket out of the rooms of chats other than `chatIds`. */
export function leaveChatRoomsExcept(socket: RealtimeSocket, chatIds: readonly number[]): void {
  const keep = new Set(chatIds.map(chatRoom));
  for (const room of [...socket.rooms]) if (isChatRoom(room) && !keep.has(room)) void socket.leave(room);
}
