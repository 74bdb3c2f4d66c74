import type { RealtimeSocket } from './realtime.server';

/** Every socket of a user joins its user room; every socket of an active member joins the chat room. */
export const userRoom = (userId: number): string => `user:${userId}`;
export const chatRoom = (chatId: number): string => `chat:${chatId}`;
export const isChatRoom = (room: string): boolean => room.startsWith('chat:');

/** The chat rooms a socket joined and left to match a read of its user's chats. */
export interface RoomChanges {
  joined: string[];
  left: string[];
}

/** Puts the socket in the rooms of exactly `chatIds` (a read of its user's active chats). */
export function matchChatRooms(socket: RealtimeSocket, chatIds: readonly number[]): RoomChanges {
  const wanted = new Set(chatIds.map(chatRoom));
  const current = new Set([...socket.rooms].filter(isChatRoom));
  const changes: RoomChanges = {
    joined: [...wanted].filter((room) => !current.has(room)),
    left: [...current].filter((room) => !wanted.has(room)),
  };
  for (const room of changes.left) void socket.leave(room);
  if (changes.joined.length > 0) void socket.join(changes.joined);
  return changes;
}

/**
 * Undoes the changes of matchChatRooms that a later read (`chatIds`) contradicts. A membership
 * change that committed after the first read may have moved the socket before matchChatRooms
 * ran (a removal emptied a room the socket then joined); one that commits after this read finds
 * the socket where the read says and moves it itself. Rooms the first call did not touch are
 * left alone: a change that reached them since is newer than either read.
 */
export function recheckChatRooms(
  socket: RealtimeSocket,
  changes: RoomChanges,
  chatIds: readonly number[],
): void {
  const current = new Set(chatIds.map(chatRoom));
  for (const room of changes.joined) if (!current.has(room)) void socket.leave(room);
  const rejoin = changes.left.filter((room) => current.has(room));
  if (rejoin.length > 0) void socket.join(rejoin);
}
