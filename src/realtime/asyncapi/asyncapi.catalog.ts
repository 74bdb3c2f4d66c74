import type { Type } from '@nestjs/common';
import { ChatDto } from '../../chats/dto/chat.dto';
import { MessageDto, MessagePageDto } from '../../messages/dto/message.dto';
import { UnreadDto } from '../../messages/dto/read-state.dto';
import {
  DeleteMessageSocketDto,
  EditMessageSocketDto,
  ReadChatSocketDto,
  SendMessageSocketDto,
  SyncChatSocketDto,
  TypingSocketDto,
} from '../dto/client-payloads.dto';
import {
  AuthExpiredEventDto,
  ChatDeletedEventDto,
  ChatReadEventDto,
  MemberEventDto,
  MemberRemovedEventDto,
  MessageDeletedEventDto,
  PresenceEventDto,
  TypingEventDto,
} from '../dto/server-events.dto';
import type { ClientToServerEvents, ServerToClientEvents } from '../events.types';

export interface ClientEventSpec {
  summary: string;
  payload: Type;
  /** The ack's `data`; null for `{}`. */
  ack: Type | null;
  /**
   * Statuses the ack's `error` can carry, besides 400 validation_failed, 429 rate_limited and
   * 503 service_unavailable, which every client event can answer.
   */
  errors: number[];
}

export interface ServerEventSpec {
  summary: string;
  /** Who receives it. */
  to: string;
  payload: Type;
}

/** Every client event; the mapped type makes the compiler insist on exactly the typed events. */
export const CLIENT_EVENTS: { [name in keyof ClientToServerEvents]: ClientEventSpec } = {
  'message:send': {
    summary: 'Send a message. Repeating a client_message_id answers the original message and sends nothing.',
    payload: SendMessageSocketDto,
    ack: MessageDto,
    errors: [403, 404],
  },
  'message:edit': {
    summary: "Edit one's own message.",
    payload: EditMessageSocketDto,
    ack: MessageDto,
    errors: [403, 404],
  },
  'message:delete': {
    summary: "Delete a message: one's own, or any as the chat's owner or admin.",
    payload: DeleteMessageSocketDto,
    ack: null,
    errors: [403, 404],
  },
  'chat:read': {
    summary: 'Mark the chat read up to up_to_seq (default: its last message); the cursor never moves back.',
    payload: ReadChatSocketDto,
    ack: UnreadDto,
    errors: [403, 404],
  },
  'chat:sync': {
    summary:
      'The messages after after_seq, oldest first: call it for each open chat after a reconnect ' +
      'and page on with the last seq while has_more.',
    payload: SyncChatSocketDto,
    ack: MessagePageDto,
    errors: [403, 404],
  },
  typing: {
    summary:
      'Tell the chat that the user is (or stopped) typing. Without a later is_typing: false the ' +
      'server sends it after 5 s.',
    payload: TypingSocketDto,
    ack: null,
    errors: [403, 404],
  },
};

/** Every server event; emitted only after the change is committed, whether by socket or REST. */
export const SERVER_EVENTS: { [name in keyof ServerToClientEvents]: ServerEventSpec } = {
  'message:new': { summary: 'A message was sent.', to: 'chat room', payload: MessageDto },
  'message:updated': { summary: 'A message was edited.', to: 'chat room', payload: MessageDto },
  'message:deleted': { summary: 'A message was deleted.', to: 'chat room', payload: MessageDeletedEventDto },
  'chat:read': { summary: "A member's read cursor moved.", to: 'chat room', payload: ChatReadEventDto },
  'chat:created': {
    summary: "A chat the user is a member of was created; the user's sockets have joined its room.",
    to: "each member's user room (the chat as that member sees it)",
    payload: ChatDto,
  },
  'chat:updated': {
    summary: 'A chat changed (title, members, roles); a member just added gets it too.',
    to: "each member's user room (the chat as that member sees it)",
    payload: ChatDto,
  },
  'chat:deleted': {
    summary: 'A chat was deleted; its room is emptied.',
    to: "each member's user room",
    payload: ChatDeletedEventDto,
  },
  'member:added': {
    summary: "A member was added; the new member's sockets have joined the room first.",
    to: 'chat room',
    payload: MemberEventDto,
  },
  'member:updated': { summary: "A member's role changed.", to: 'chat room', payload: MemberEventDto },
  'member:removed': {
    summary: "A member was removed or left; the removed user's sockets leave the room right after.",
    to: 'chat room and the removed user',
    payload: MemberRemovedEventDto,
  },
  typing: {
    summary: 'Someone is typing, or stopped. Treat a true older than 5 s as false.',
    to: 'chat room except the typist',
    payload: TypingEventDto,
  },
  presence: {
    summary:
      "A user's first socket connected, or the last one disconnected (announced 2 s later, so a quick " +
      'reconnect shows nothing); counted across all instances.',
    to: 'users who share a chat with that user',
    payload: PresenceEventDto,
  },
  'auth:expired': {
    summary:
      'Addition to the contract: the access token of this connection expired; the server disconnects ' +
      'the socket right after. Refresh the token, set it in auth and connect again.',
    to: 'the socket whose token expired',
    payload: AuthExpiredEventDto,
  },
};
