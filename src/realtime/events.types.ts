import type { ChatDto } from '../chats/dto/chat.dto';
import type { ErrorBody } from '../common/http/error-body';
import type { MemberDto } from '../members/dto/member.dto';
import type { MessageDto } from '../messages/dto/message.dto';

/**
 * The socket events of the contract, typed for socket.io and socket.io-client:
 * `io(url) as Socket<ServerToClientEvents, ClientToServerEvents>`. docs/asyncapi.json describes
 * the same events; a test keeps the two in step.
 */

/** Every client event is answered through its acknowledgement callback with one of these. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckCallback<T> = (response: Ack<T>) => void;
export type Empty = Record<string, never>;

export interface SendMessagePayload {
  chat_id: number;
  content: string;
  client_message_id?: string;
}
export interface EditMessagePayload {
  chat_id: number;
  message_id: number;
  content: string;
}
export interface DeleteMessagePayload {
  chat_id: number;
  message_id: number;
}
export interface ReadChatPayload {
  chat_id: number;
  up_to_seq?: number;
}
export interface SyncChatPayload {
  chat_id: number;
  after_seq: number;
  limit?: number;
}
export interface TypingPayload {
  chat_id: number;
  is_typing: boolean;
}
export interface UnreadState {
  unread_count: number;
  last_read_seq: number;
}
export interface MessagePage {
  items: MessageDto[];
  has_more: boolean;
}

export interface ClientToServerEvents {
  'message:send': (payload: SendMessagePayload, ack: AckCallback<MessageDto>) => void;
  'message:edit': (payload: EditMessagePayload, ack: AckCallback<MessageDto>) => void;
  'message:delete': (payload: DeleteMessagePayload, ack: AckCallback<Empty>) => void;
  'chat:read': (payload: ReadChatPayload, ack: AckCallback<UnreadState>) => void;
  'chat:sync': (payload: SyncChatPayload, ack: AckCallback<MessagePage>) => void;
  typing: (payload: TypingPayload, ack: AckCallback<Empty>) => void;
}

export interface MessageDeletedEvent {
  chat_id: number;
  message_id: number;
  seq: number;
}
export interface ChatReadEvent {
  chat_id: number;
  user_id: number;
  last_read_seq: number;
  read_at: string;
}
export interface ChatDeletedEvent {
  chat_id: number;
}
export interface MemberEvent {
  chat_id: number;
  member: MemberDto;
}
export interface MemberRemovedEvent {
  chat_id: number;
  user_id: number;
}
export interface TypingEvent {
  chat_id: number;
  user_id: number;
  is_typing: boolean;
}
export interface PresenceEvent {
  user_id: number;
  online: boolean;
  last_seen_at: string;
}
export interface AuthExpiredEvent {
  message: string;
}

export interface ServerToClientEvents {
  'message:new': (message: MessageDto) => void;
  'message:updated': (message: MessageDto) => void;
  'message:deleted': (event: MessageDeletedEvent) => void;
  'chat:read': (event: ChatReadEvent) => void;
  'chat:created': (chat: ChatDto) => void;
  'chat:updated': (chat: ChatDto) => void;
  'chat:deleted': (event: ChatDeletedEvent) => void;
  'member:added': (event: MemberEvent) => void;
  'member:updated': (event: MemberEvent) => void;
  'member:removed': (event: MemberRemovedEvent) => void;
  typing: (event: TypingEvent) => void;
  presence: (event: PresenceEvent) => void;
  'auth:expired': (event: AuthExpiredEvent) => void;
}

/** What the handshake stores on each socket (`socket.data`). */
export interface SocketData {
  user: { id: number; username: string };
  tokenExpiresAt: number;
  /** Client events whose handler has not finished (see WsRateLimitInterceptor). */
  inFlight?: number;
}
