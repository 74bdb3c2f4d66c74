import type { Schemas } from './generated/socket.ts';
import type { Chat, ErrorBody, Member, Message, SendMessageInput, User } from './types.ts';

/** A message the user sent that the service has not acknowledged yet (or refused). */
export interface OutgoingMessage {
  status: 'pending' | 'failed';
  /** Stable React/DOM key: the same as the stored message's once it is acknowledged. */
  key: string;
  chat_id: number;
  client_message_id: string;
  input: SendMessageInput;
  created_at: string;
  /** Why the service refused it (status 'failed'). */
  error?: ErrorBody;
}

/** A stored message. */
export type StoredMessage = Message & { status: 'sent'; key: string };
export type ChatMessage = StoredMessage | OutgoingMessage;

export interface ChatMessages {
  /** Stored messages oldest first (by seq), then the outgoing ones in the order they were sent. */
  items: readonly ChatMessage[];
  /** Whether older messages exist on the service (load them with client.loadOlder). */
  hasOlder: boolean;
}

export type ConnectionState = 'idle' | 'connecting' | 'online' | 'offline' | 'signed_out';

export interface Snapshot {
  me: User | null;
  connection: ConnectionState;
  /** The user's chats, most recent activity first; each carries unread_count and unread_mentions_count. */
  chats: readonly Chat[];
  /** Messages of the chats opened so far, by chat id. */
  messages: ReadonlyMap<number, ChatMessages>;
}

const keyOf = (m: { sender_id: number; client_message_id: string | null; id: number }): string =>
  m.client_message_id ? `c:${m.sender_id}:${m.client_message_id}` : `m:${m.id}`;

interface MessageList {
  byId: Map<number, StoredMessage>;
  hasOlder: boolean;
}

/**
 * The observable state of the client: chats and the messages of opened chats. Framework-agnostic:
 * `subscribe(listener)` and `getSnapshot()` (an immutable object that changes identity on every
 * change, as React's useSyncExternalStore, Angular signals or Svelte stores expect).
 *
 * Every write merges by id, so a message that arrives twice (live and in a catch-up page, or in
 * an ack and a `message:new`) is stored once.
 */
export class ChatStore {
  private me: User | null = null;
  private connection: ConnectionState = 'idle';
  private readonly chats = new Map<number, Chat>();
  private readonly lists = new Map<number, MessageList>();
  private readonly outgoing = new Map<string, OutgoingMessage>();
  private readonly listeners = new Set<() => void>();
  private snapshot: Snapshot | undefined;
  private readonly builtLists = new Map<number, ChatMessages>();
  private readonly dirtyLists = new Set<number>();
  /** Chats whose counts the store cannot derive from events alone (the client re-reads them). */
  readonly stale = new Set<number>();
  /** Called when a chat needs re-reading (see `stale`) or an event shows a gap in seq. */
  onNeedsRefresh: (chatId: number, reason: 'counts' | 'gap' | 'unknown_chat') => void = () => {};

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): Snapshot => {
    if (!this.snapshot) {
      for (const chatId of this.dirtyLists) this.buildList(chatId);
      this.dirtyLists.clear();
      const chats = [...this.chats.values()].sort(
        (a, b) => b.updated_at.localeCompare(a.updated_at) || b.id - a.id,
      );
      this.snapshot = { me: this.me, connection: this.connection, chats, messages: new Map(this.builtLists) };
    }
    return this.snapshot;
  };

  // -- reads used by the client ------------------------------------------------------------

  getMe(): User | null {
    return this.me;
  }
  getChat(chatId: number): Chat | undefined {
    return this.chats.get(chatId);
  }
  /** Chats whose messages are loaded: the ones caught up after a reconnect. */
  openChatIds(): number[] {
    return [...this.lists.keys()];
  }
  isOpen(chatId: number): boolean {
    return this.lists.has(chatId);
  }
  /** The highest seq stored for the chat (0 when none): where a catch-up starts. */
  lastSeq(chatId: number): number {
    let max = 0;
    for (const m of this.lists.get(chatId)?.byId.values() ?? []) if (m.seq > max) max = m.seq;
    return max;
  }
  /** The lowest seq stored for the chat (Infinity when none): where loading older pages continues. */
  firstSeq(chatId: number): number {
    let min = Infinity;
    for (const m of this.lists.get(chatId)?.byId.values() ?? []) if (m.seq < min) min = m.seq;
    return min;
  }

  // -- writes --------------------------------------------------------------------------------

  setMe(me: User): void {
    this.me = me;
    this.changed();
  }

  setConnection(state: ConnectionState): void {
    if (this.connection === state) return;
    this.connection = state;
    this.changed();
  }

  /**
   * Chats as the service answered them (a page of GET /chats, chat:created/updated). `authoritative`
   * (a fresh GET /chats/:id, which the store asks for) replaces the store's view even when it
   * holds a later message (that message was deleted meanwhile).
   */
  upsertChats(chats: readonly Chat[], authoritative = false): void {
    const behind: number[] = [];
    for (const chat of chats) {
      const known = this.chats.get(chat.id);
      this.stale.delete(chat.id);
      // An answer produced before a message the store already has: keep the newer message and
      // activity, and read the chat again for counts that include it.
      if (!authoritative && known?.last_message && known.last_message.seq > (chat.last_message?.seq ?? 0)) {
        this.chats.set(chat.id, { ...chat, last_message: known.last_message, updated_at: known.updated_at });
        behind.push(chat.id);
      } else {
        this.chats.set(chat.id, chat);
      }
    }
    for (const chatId of behind) this.markStale(chatId);
    this.changed();
  }

  removeChat(chatId: number): void {
    this.chats.delete(chatId);
    this.lists.delete(chatId);
    this.builtLists.delete(chatId);
    for (const [key, out] of this.outgoing) if (out.chat_id === chatId) this.outgoing.delete(key);
    this.changed();
  }

  /** Starts keeping the chat's messages (caught up after reconnects from then on). */
  openChat(chatId: number): void {
    if (!this.lists.has(chatId)) {
      this.lists.set(chatId, { byId: new Map(), hasOlder: true });
      this.dirtyLists.add(chatId);
      this.changed();
    }
  }

  /** A page of stored messages (history, catch-up). `hasOlder` when the page went backwards. */
  addMessages(chatId: number, messages: readonly Message[], page?: { hasOlder: boolean }): void {
    this.openChat(chatId);
    const list = this.lists.get(chatId)!;
    for (const message of messages) this.put(list, message);
    if (page) list.hasOlder = page.hasOlder;
    this.dirtyLists.add(chatId);
    const last = messages.reduce<Message | undefined>((a, m) => (!a || m.seq > a.seq ? m : a), undefined);
    if (last) this.noteLastMessage(last, false);
    this.changed();
  }

  /** A message:new event, or the ack of the user's own send. */
  applyNew(message: Message): void {
    const list = this.lists.get(message.chat_id);
    if (list) {
      const before = this.lastSeq(message.chat_id);
      if (before > 0 && message.seq > before + 1) this.onNeedsRefresh(message.chat_id, 'gap');
      this.put(list, message);
      this.dirtyLists.add(message.chat_id);
    }
    this.noteLastMessage(message, true);
    this.changed();
  }

  applyUpdated(message: Message): void {
    const list = this.lists.get(message.chat_id);
    const previous = list?.byId.get(message.id);
    // The event's reactions carry me: false for everyone; the reader's own flags stay as they were.
    const merged = previous
      ? { ...message, reactions: withMyFlags(message.reactions, previous.reactions) }
      : message;
    if (list && previous) {
      this.put(list, merged);
      this.dirtyLists.add(message.chat_id);
    }
    const chat = this.chats.get(message.chat_id);
    if (chat?.last_message?.id === message.id)
      this.chats.set(chat.id, {
        ...chat,
        last_message: { ...merged, reactions: withMyFlags(message.reactions, chat.last_message.reactions) },
      });
    this.changed();
  }

  applyDeleted(event: Schemas['MessageDeletedEventDto']): void {
    const list = this.lists.get(event.chat_id);
    if (list?.byId.delete(event.message_id)) this.dirtyLists.add(event.chat_id);
    const chat = this.chats.get(event.chat_id);
    // The last message and the unread counts may have changed: the service knows them.
    if (chat) this.markStale(chat.id);
    this.changed();
  }

  applyReactions(event: Schemas['MessageReactionsEventDto']): void {
    const meId = this.me?.id;
    const flags = (previous: readonly { emoji: string; me: boolean }[]) =>
      event.reactions.map(({ emoji, count }) => ({
        emoji,
        count,
        me:
          event.user_id === meId && emoji === event.emoji
            ? event.on
            : (previous.find((r) => r.emoji === emoji)?.me ?? false),
      }));
    const list = this.lists.get(event.chat_id);
    const message = list?.byId.get(event.message_id);
    if (list && message) {
      list.byId.set(message.id, { ...message, reactions: flags(message.reactions) });
      this.dirtyLists.add(event.chat_id);
    }
    const chat = this.chats.get(event.chat_id);
    if (chat?.last_message?.id === event.message_id)
      this.chats.set(chat.id, {
        ...chat,
        last_message: { ...chat.last_message, reactions: flags(chat.last_message.reactions) },
      });
    this.changed();
  }

  /** The reactions as the caller sees them (the ack of a reaction). */
  setReactions(chatId: number, messageId: number, reactions: Message['reactions']): void {
    const list = this.lists.get(chatId);
    const message = list?.byId.get(messageId);
    if (list && message) {
      list.byId.set(messageId, { ...message, reactions });
      this.dirtyLists.add(chatId);
      this.changed();
    }
  }

  applyRead(event: Schemas['ChatReadEventDto']): void {
    const chat = this.chats.get(event.chat_id);
    if (!chat) return;
    const members = chat.members.map((m) =>
      m.user_id === event.user_id
        ? { ...m, last_read_seq: Math.max(m.last_read_seq, event.last_read_seq) }
        : m,
    );
    let next: Chat = { ...chat, members };
    if (event.user_id === this.me?.id) {
      if (event.last_read_seq >= (chat.last_message?.seq ?? 0))
        next = { ...next, unread_count: 0, unread_mentions_count: 0 };
      else this.markStale(chat.id);
    }
    this.chats.set(chat.id, next);
    this.changed();
  }

  /** The ack of chat:read / PATCH unread: the reader's own counts. */
  setUnread(chatId: number, unread: { unread_count: number; last_read_seq: number }): void {
    const chat = this.chats.get(chatId);
    if (!chat) return;
    const meId = this.me?.id;
    this.chats.set(chatId, {
      ...chat,
      unread_count: unread.unread_count,
      unread_mentions_count: unread.unread_count === 0 ? 0 : chat.unread_mentions_count,
      members: chat.members.map((m) =>
        m.user_id === meId ? { ...m, last_read_seq: Math.max(m.last_read_seq, unread.last_read_seq) } : m,
      ),
    });
    if (unread.unread_count > 0) this.markStale(chatId);
    this.changed();
  }

  applyMember(event: { chat_id: number; member: Member }): void {
    const chat = this.chats.get(event.chat_id);
    if (!chat) return;
    const others = chat.members.filter((m) => m.user_id !== event.member.user_id);
    const my_role = event.member.user_id === this.me?.id ? event.member.role : chat.my_role;
    this.chats.set(chat.id, { ...chat, my_role, members: [...others, event.member] });
    this.changed();
  }

  applyMemberRemoved(event: { chat_id: number; user_id: number }): void {
    if (event.user_id === this.me?.id) return this.removeChat(event.chat_id);
    const chat = this.chats.get(event.chat_id);
    if (!chat) return;
    this.chats.set(chat.id, { ...chat, members: chat.members.filter((m) => m.user_id !== event.user_id) });
    this.changed();
  }

  // -- outgoing messages (the client's outbox) ---------------------------------------------------

  putOutgoing(message: OutgoingMessage): void {
    this.outgoing.set(message.client_message_id, message);
    this.dirtyLists.add(message.chat_id);
    this.changed();
  }

  removeOutgoing(clientMessageId: string): void {
    const message = this.outgoing.get(clientMessageId);
    if (!message) return;
    this.outgoing.delete(clientMessageId);
    this.dirtyLists.add(message.chat_id);
    this.changed();
  }

  // -- internals -------------------------------------------------------------------------------

  private put(list: MessageList, message: Message): void {
    list.byId.set(message.id, { ...message, status: 'sent', key: keyOf(message) });
    // The user's own send is stored: its optimistic copy goes.
    if (message.client_message_id && message.sender_id === this.me?.id) {
      const out = this.outgoing.get(message.client_message_id);
      if (out && out.chat_id === message.chat_id) this.outgoing.delete(message.client_message_id);
    }
  }

  /** Moves the chat's last message, activity time and unread counts forward for a message not seen before. */
  private noteLastMessage(message: Message, live: boolean): void {
    const chat = this.chats.get(message.chat_id);
    if (!chat) {
      if (live) this.onNeedsRefresh(message.chat_id, 'unknown_chat');
      return;
    }
    if (chat.last_message && message.seq <= chat.last_message.seq) return;
    const mine = message.sender_id === this.me?.id;
    const mentioned = this.me !== null && message.mentions.includes(this.me.id);
    this.chats.set(chat.id, {
      ...chat,
      last_message: message,
      updated_at: message.created_at > chat.updated_at ? message.created_at : chat.updated_at,
      // Sending marks the chat read for the sender.
      unread_count: mine ? 0 : chat.unread_count + 1,
      unread_mentions_count: mine ? 0 : chat.unread_mentions_count + (mentioned ? 1 : 0),
    });
  }

  private markStale(chatId: number): void {
    if (this.stale.has(chatId)) return;
    this.stale.add(chatId);
    this.onNeedsRefresh(chatId, 'counts');
  }

  private buildList(chatId: number): void {
    const list = this.lists.get(chatId);
    if (!list) {
      this.builtLists.delete(chatId);
      return;
    }
    const stored = [...list.byId.values()].sort((a, b) => a.seq - b.seq);
    const pending = [...this.outgoing.values()].filter((m) => m.chat_id === chatId);
    this.builtLists.set(chatId, { items: [...stored, ...pending], hasOlder: list.hasOlder });
  }

  private changed(): void {
    this.snapshot = undefined;
    for (const listener of [...this.listeners]) listener();
  }
}

function withMyFlags<R extends { emoji: string; me: boolean }>(
  next: readonly R[],
  previous: readonly R[],
): R[] {
  return next.map((r) => ({ ...r, me: previous.find((p) => p.emoji === r.emoji)?.me ?? r.me }));
}

export { keyOf as messageKey };
