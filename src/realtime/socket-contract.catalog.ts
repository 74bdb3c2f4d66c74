import type { Type } from '@nestjs/common';
import type { SocketEventRates } from '../config/app.config';
import { ChatDto } from '../chats/dto/chat.dto';
import { MessageDto, MessagePageDto } from '../messages/dto/message.dto';
import { ReactionsDto } from '../messages/dto/reaction.dto';
import { UnreadDto } from '../messages/dto/read-state.dto';
import {
  DeleteMessageSocketDto,
  EditMessageSocketDto,
  PinSocketDto,
  ReactSocketDto,
  ReadChatSocketDto,
  SendMessageSocketDto,
  SyncChatSocketDto,
  TypingSocketDto,
} from './dto/client-payloads.dto';
import {
  AuthBannedEventDto,
  AuthExpiredEventDto,
  ChatDeletedEventDto,
  ChatReadEventDto,
  MemberEventDto,
  MemberRemovedEventDto,
  MessageDeletedEventDto,
  MessagePinEventDto,
  MessageReactionsEventDto,
  PresenceEventDto,
  TypingEventDto,
} from './dto/server-events.dto';

/**
 * The socket contract, written once. From this catalog follow the TypeScript event maps
 * (events.types.ts), the validation of every client event's payload (client-event.decorator.ts)
 * and the AsyncAPI document (asyncapi/asyncapi.document.ts). A payload or ack class is a DTO whose
 * class-validator rules check the input and whose @ApiProperty metadata gives its JSON Schema.
 *
 * Adding an event: one entry here, plus its handler (a gateway method under @ClientEvent) or its
 * emit (in the publisher or a service of this folder).
 */

/** What an ack's `error` may say, by status; every client event can answer 400, 429 and 503. */
export const ACK_ERRORS = {
  400: '400 validation_failed (details lists the fields)',
  403: '403 not_a_member, forbidden; blocked (message:send in a two-person chat whose members block each other)',
  404: '404 chat_not_found, message_not_found',
  409: '409 limit_exceeded (details.limit)',
  429:
    "429 rate_limited (details.retry_after_ms): past the user's budget for this event or the socket's " +
    'events in flight; the socket stays usable',
  503:
    '503 service_unavailable (this instance is shutting down: the client reconnects and retries; or ' +
    'the database is not answering: the client retries after details.retry_after_ms, a send with the ' +
    'same client_message_id)',
} as const;
export type AckErrorStatus = keyof typeof ACK_ERRORS;

export interface ClientEventSpec {
  summary: string;
  /** The payload's class: validated against, and typed as, its instance. */
  payload: Type<object>;
  /** The ack's `data` class; null for `{}`. */
  ack: Type<object> | null;
  /** Statuses the ack's `error` can carry besides 400, 429 and 503, which every client event can answer. */
  errors: readonly AckErrorStatus[];
  /** The per-user rate budget it draws on (SOCKET_RATE_*): its own, or one it shares. */
  budget: keyof SocketEventRates;
}

export interface ServerEventSpec {
  summary: string;
  /** Who receives it. */
  audience: string;
  payload: Type<object>;
}

/** Every client event, in the order the AsyncAPI document lists them. */
export const CLIENT_EVENTS = {
  'message:send': {
    summary: 'Send a message. Repeating a client_message_id answers the original message and sends nothing.',
    payload: SendMessageSocketDto,
    ack: MessageDto,
    errors: [403, 404],
    budget: 'messageSend',
  },
  'message:edit': {
    summary: "Edit one's own message.",
    payload: EditMessageSocketDto,
    ack: MessageDto,
    errors: [403, 404],
    budget: 'messageEdit',
  },
  'message:delete': {
    summary: "Delete a message: one's own, or any as the chat's owner or admin.",
    payload: DeleteMessageSocketDto,
    ack: null,
    errors: [403, 404],
    budget: 'messageDelete',
  },
  'chat:read': {
    summary: 'Mark the chat read up to up_to_seq (default: its last message); the cursor never moves back.',
    payload: ReadChatSocketDto,
    ack: UnreadDto,
    errors: [403, 404],
    budget: 'chatRead',
  },
  'chat:sync': {
    summary:
      'The messages after after_seq, oldest first: call it for each open chat after a reconnect ' +
      'and page on with the last seq while has_more.',
    payload: SyncChatSocketDto,
    ack: MessagePageDto,
    errors: [403, 404],
    budget: 'chatSync',
  },
  'message:react': {
    summary:
      "Add (on: true) or take back (on: false) one's reaction with one emoji; idempotent either way. " +
      'At most 20 different emoji per message (409 limit_exceeded). The ack has the reactions as the caller sees them.',
    payload: ReactSocketDto,
    ack: ReactionsDto,
    errors: [403, 404, 409],
    budget: 'other',
  },
  'chat:pin': {
    summary:
      'Pin (pinned: true) or unpin a message: owner or admin, any member of a two-person chat. Pinning twice ' +
      'is one pin; at most 50 pins per chat (409 limit_exceeded); unpinning a message that is not pinned is 404.',
    payload: PinSocketDto,
    ack: null,
    errors: [403, 404, 409],
    budget: 'other',
  },
  typing: {
    summary:
      'Tell the chat that the user is (or stopped) typing. Without a later is_typing: false the ' +
      'server sends it after 5 s.',
    payload: TypingSocketDto,
    ack: null,
    errors: [403, 404],
    budget: 'typing',
  },
} as const satisfies Record<string, ClientEventSpec>;

/** Every server event; emitted only after the change is committed, whether by socket or REST. */
export const SERVER_EVENTS = {
  'message:new': { summary: 'A message was sent.', audience: 'chat room', payload: MessageDto },
  'message:updated': {
    summary: 'A message was edited. Its reactions carry me: false (the event is the same for every member).',
    audience: 'chat room',
    payload: MessageDto,
  },
  'message:deleted': {
    summary: 'A message was deleted.',
    audience: 'chat room',
    payload: MessageDeletedEventDto,
  },
  'message:reactions': {
    summary: 'Someone added or took back a reaction; reactions are the counts after the change.',
    audience: 'chat room',
    payload: MessageReactionsEventDto,
  },
  'message:pinned': { summary: 'A message was pinned.', audience: 'chat room', payload: MessagePinEventDto },
  'message:unpinned': {
    summary: 'A message was unpinned.',
    audience: 'chat room',
    payload: MessagePinEventDto,
  },
  'chat:read': { summary: "A member's read cursor moved.", audience: 'chat room', payload: ChatReadEventDto },
  'chat:created': {
    summary: "A chat the user is a member of was created; the user's sockets have joined its room.",
    audience: "each member's user room (the chat as that member sees it)",
    payload: ChatDto,
  },
  'chat:updated': {
    summary: 'A chat changed (title, avatar, members, roles); a member just added gets it too.',
    audience: "each member's user room (the chat as that member sees it)",
    payload: ChatDto,
  },
  'chat:deleted': {
    summary: 'A chat was deleted; its room is emptied.',
    audience: "each member's user room",
    payload: ChatDeletedEventDto,
  },
  'member:added': {
    summary: "A member was added; the new member's sockets have joined the room first.",
    audience: 'chat room',
    payload: MemberEventDto,
  },
  'member:updated': {
    summary:
      "A member's role changed, or their profile (display_name, avatar_url): a profile change goes to every chat the user is an active member of.",
    audience: 'chat room',
    payload: MemberEventDto,
  },
  'member:removed': {
    summary: "A member was removed or left; the removed user's sockets leave the room right after.",
    audience: 'chat room and the removed user',
    payload: MemberRemovedEventDto,
  },
  typing: {
    summary: 'Someone is typing, or stopped. Treat a true older than 5 s as false.',
    audience: 'chat room except the typist',
    payload: TypingEventDto,
  },
  presence: {
    summary:
      "A user's first socket connected, or the last one disconnected (announced 2 s later, so a quick " +
      'reconnect shows nothing); counted across all instances.',
    audience: 'users who share a chat with that user',
    payload: PresenceEventDto,
  },
  'auth:expired': {
    summary:
      'Addition to the contract: the access token of this connection expired; the server disconnects ' +
      'the socket right after. Refresh the token, set it in auth and connect again.',
    audience: 'the socket whose token expired',
    payload: AuthExpiredEventDto,
  },
  'auth:banned': {
    summary:
      'Addition to the contract: a moderator banned this user; the server disconnects every socket of ' +
      'theirs, on every instance, right after, and refuses new ones (connect_error "banned") while the ' +
      'ban lasts. Do not reconnect.',
    audience: "the banned user's sockets",
    payload: AuthBannedEventDto,
  },
} as const satisfies Record<string, ServerEventSpec>;

export type ClientEventName = keyof typeof CLIENT_EVENTS;
export type ServerEventName = keyof typeof SERVER_EVENTS;

export function isClientEvent(name: string): name is ClientEventName {
  return Object.hasOwn(CLIENT_EVENTS, name);
}
