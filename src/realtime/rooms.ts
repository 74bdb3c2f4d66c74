/** Every socket of a user joins its user room; every socket of an active member joins the chat room. */
export const userRoom = (userId: number): string => `user:${userId}`;
export const chatRoom = (chatId: number): string => `chat:${chatId}`;
export const isChatRoom = (room: string): boolean => room.startsWith('chat:');
