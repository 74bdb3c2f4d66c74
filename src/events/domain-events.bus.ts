import { Injectable, Logger } from '@nestjs/common';
import type { AttachmentKind } from '../database/entities/attachment.entity';
import type { MemberRole } from '../database/entities/chat-member.entity';
import type { MessageRow } from '../repositories/messages.repository';

/** An attachment as the contract shows it (the shape of AttachmentDto): URLs signed at publishing. */
export interface AttachmentPayload {
  id: number;
  kind: AttachmentKind;
  mime_type: string;
  size_bytes: number;
  name: string | null;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  waveform: number[] | null;
  url: string;
  thumbnail_url: string | null;
  placeholder: string | null;
  created_at: string;
}

/** A message as the contract shows it (the shape of MessageDto, which the services publish). */
export type MessagePayload = Omit<
  MessageRow,
  'created_at' | 'edited_at' | 'attachments' | 'reply_to' | 'forwarded_from' | 'mentions' | 'reactions'
> & {
  created_at: string;
  edited_at: string | null;
  attachments: AttachmentPayload[];
  reply_to: (Omit<NonNullable<MessageRow['reply_to']>, 'content'> & { content: string }) | null;
  forwarded_from:
    (Omit<NonNullable<MessageRow['forwarded_from']>, 'created_at'> & { created_at: string }) | null;
  mentions: number[];
  reactions: ReactionPayload[];
};

/** One emoji of a message's reactions (the shape of ReactionCountDto). */
export interface ReactionCountPayload {
  emoji: string;
  count: number;
}

/** The same as a reader sees it (the shape of ReactionDto). */
export interface ReactionPayload extends ReactionCountPayload {
  me: boolean;
}

/** A member as the contract shows one (the shape of MemberDto). */
export interface MemberPayload {
  user_id: number;
  username: string;
  display_name: string;
  role: MemberRole;
  joined_at: string;
  last_read_seq: number;
  avatar_url: string | null;
}

/**
 * What happened, told by the services after the change is committed: ids, and the message or
 * member as the REST answer showed it. The realtime module turns these into socket events,
 * reading whatever else a payload needs after the commit (the chat as each member sees it);
 * services never know about sockets. The payload shapes are declared here, not imported, so that
 * this folder depends on no domain folder; the compiler checks them against the DTOs where the
 * services publish and where the realtime side emits.
 */
export type DomainEvent =
  | { type: 'message.created'; chatId: number; message: MessagePayload }
  | { type: 'message.updated'; chatId: number; message: MessagePayload }
  | { type: 'message.deleted'; chatId: number; messageId: number; seq: number }
  /** `userId` added (`on`) or removed an emoji; `reactions`: the message's, for no reader. */
  | {
      type: 'message.reactions';
      chatId: number;
      messageId: number;
      userId: number;
      emoji: string;
      on: boolean;
      reactions: ReactionCountPayload[];
    }
  | { type: 'message.pinned' | 'message.unpinned'; chatId: number; messageId: number; userId: number }
  | { type: 'chat.read'; chatId: number; userId: number; lastReadSeq: number; readAt: string }
  /** `memberIds`: the members the chat was created with. */
  | { type: 'chat.created'; chatId: number; memberIds: number[] }
  /** The chat's title, members or roles changed: each member's view of it is due again. */
  | { type: 'chat.updated'; chatId: number }
  | { type: 'chat.deleted'; chatId: number; memberIds: number[] }
  | { type: 'member.added'; chatId: number; member: MemberPayload }
  /** The member's role, or their profile (display name, avatar), changed. */
  | { type: 'member.updated'; chatId: number; member: MemberPayload }
  | { type: 'member.removed'; chatId: number; userId: number }
  /** A moderator banned the user until `until` (ISO-8601; null: for good), or lifted the ban. */
  | { type: 'user.banned'; userId: number; until: string | null }
  | { type: 'user.unbanned'; userId: number }
  /**
   * The chat became (`blocked`) or stopped being a two-person chat whose members block each
   * other (a block or unblock between them, or a member change that left the two alone or added
   * a third): `userIds`, its two members, stop or resume hearing its room. No membership changed.
   */
  | { type: 'chat.blocked'; chatId: number; userIds: number[]; blocked: boolean };

export type DomainEventType = DomainEvent['type'];
export type DomainEventOf<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;
type Listener = (event: DomainEvent) => void | Promise<void>;

/** In-process fan-out to listeners, in order; a failing listener is logged, never thrown back. */
@Injectable()
export class DomainEventBus {
  private readonly logger = new Logger('DomainEventBus');
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Publishes the events in order; call only after the transaction that made the change has
   * committed. Resolves once every listener has handled them, those that handle an event
   * asynchronously too (the realtime side may read a chat's views before it emits), so that the
   * caller is answered after its events are out; never rejects.
   */
  async publish(...events: DomainEvent[]): Promise<void> {
    await Promise.all(events.map((event) => this.dispatch(event)));
  }

  /** Settles when the listeners' work on the event is done; never rejects. */
  private dispatch(event: DomainEvent): Promise<unknown> {
    const handled: Promise<void>[] = [];
    for (const listener of this.listeners) {
      try {
        const result = listener(event);
        if (result instanceof Promise)
          handled.push(result.catch((error: unknown) => this.report(event, error)));
      } catch (error) {
        this.report(event, error);
      }
    }
    return Promise.all(handled);
  }

  private report(event: DomainEvent, error: unknown): void {
    this.logger.error(
      `Listener failed on ${event.type}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
