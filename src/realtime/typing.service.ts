import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { MembersAccessService } from '../members/members-access.service';
import type { Empty } from './events.types';
import { RealtimeServer, RealtimeSocket } from './realtime.server';
import { chatRoom, userRoom } from './rooms.util';

/** A typing indicator nobody turns off ends by itself after this long. */
export const TYPING_EXPIRY_MS = 5000;

interface Typist {
  socketId: string;
  timer: NodeJS.Timeout;
}

/**
 * `typing` goes to the chat room except the typist's own sockets. The instance that heard
 * `is_typing: true` sends the `false` if the typist's socket says nothing more for 5 s or goes away.
 */
@Injectable()
export class TypingService implements OnModuleDestroy {
  private readonly typists = new Map<string, Typist>();

  constructor(
    private readonly members: MembersAccessService,
    private readonly server: RealtimeServer,
  ) {}

  async update(socket: RealtimeSocket, chatId: number, isTyping: boolean): Promise<Empty> {
    const userId = socket.data.user.id;
    await this.members.requireMember(chatId, userId);
    this.forget(chatId, userId);
    if (isTyping) {
      const timer = setTimeout(() => this.stop(chatId, userId), TYPING_EXPIRY_MS);
      this.typists.set(key(chatId, userId), { socketId: socket.id, timer });
    }
    this.emit(chatId, userId, isTyping);
    return {};
  }

  /** The user can no longer type there (left, removed) or their socket closed. */
  stop(chatId: number, userId: number): void {
    if (this.forget(chatId, userId)) this.emit(chatId, userId, false);
  }

  socketClosed(socket: RealtimeSocket): void {
    for (const [typistKey, typist] of this.typists) {
      if (typist.socketId !== socket.id) continue;
      const [chatId, userId] = typistKey.split(':').map(Number);
      this.stop(chatId, userId);
    }
  }

  onModuleDestroy(): void {
    for (const typist of this.typists.values()) clearTimeout(typist.timer);
    this.typists.clear();
  }

  private forget(chatId: number, userId: number): boolean {
    const typist = this.typists.get(key(chatId, userId));
    if (!typist) return false;
    clearTimeout(typist.timer);
    return this.typists.delete(key(chatId, userId));
  }

  private emit(chatId: number, userId: number, isTyping: boolean): void {
    this.server.io
      .to(chatRoom(chatId))
      .except(userRoom(userId))
      .emit('typing', { chat_id: chatId, user_id: userId, is_typing: isTyping });
  }
}

const key = (chatId: number, userId: number): string => `${chatId}:${userId}`;
