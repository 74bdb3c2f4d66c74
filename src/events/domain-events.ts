import { Injectable, Logger } from '@nestjs/common';
import type { ChatDto } from '../chats/dto/chat.dto';
import type { MemberDto } from '../members/dto/member.dto';
import type { MessageDto } from '../messages/dto/message.dto';

/**
 * What happened, told by the services after the change is committed. The realtime module turns
 * these into socket events; services never know about sockets.
 */
export type DomainEvent =
  | { type: 'message.created'; chatId: number; message: MessageDto }
  | { type: 'message.updated'; chatId: number; message: MessageDto }
  | { type: 'message.deleted'; chatId: number; messageId: number; seq: number }
  | { type: 'chat.read'; chatId: number; userId: number; lastReadSeq: number; readAt: string }
  /** `views` holds the chat as each member sees it (my_role, unread_count differ). */
  | { type: 'chat.created'; chatId: number; views: Map<number, ChatDto> }
  | { type: 'chat.updated'; chatId: number; views: Map<number, ChatDto> }
  | { type: 'chat.deleted'; chatId: number; memberIds: number[] }
  | { type: 'member.added'; chatId: number; member: MemberDto }
  | { type: 'member.updated'; chatId: number; member: MemberDto }
  | { type: 'member.removed'; chatId: number; userId: number };

export type DomainEventType = DomainEvent['type'];
export type DomainEventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
type Listener = (event: DomainEvent) => void | Promise<void>;

/** In-process, synchronous fan-out to listeners; a failing listener is logged, never thrown back. */
@Injectable()
export class DomainEventBus {
  private readonly logger = new Logger('DomainEventBus');
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Call only after the transaction that made the change has committed. */
  publish(event: DomainEvent): void {
    for (const listener of this.listeners) {
      try {
        const result = listener(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.report(event, error));
      } catch (error) {
        this.report(event, error);
      }
    }
  }

  private report(event: DomainEvent, error: unknown): void {
    this.logger.error(
      `Listener failed on ${event.type}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
