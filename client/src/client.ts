import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { TokenManager, type TokenProvider } from './auth.ts';
import type { Ack, ClientEvents, ClientToServerEvents, ServerToClientEvents } from './generated/socket.ts';
import { createRestClient, type RestClient, unwrap } from './rest.ts';
import { ChatStore, type OutgoingMessage } from './store.ts';
import { type UploadOptions, type UploadSource, uploadAttachment } from './upload.ts';
import {
  type Attachment,
  ChatApiError,
  type ErrorBody,
  type Message,
  type SendMessageInput,
} from './types.ts';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ChatClientOptions {
  /** The service's origin, e.g. `https://chat.example.org` (REST under /api/v1, Socket.IO at /socket.io). */
  baseUrl: string;
  /** Where access tokens come from: the platform's, or {@link localTokens} for the chat's own login. */
  auth: TokenProvider;
  /** How long an ack may take before the event is sent again (sends keep their client_message_id). Default 10 s. */
  ackTimeoutMs?: number;
  /** Messages loaded per page (1–100). Default 50. */
  pageSize?: number;
  /** Passed to socket.io-client's io() (reconnection delays, transports…). Default transports: ['websocket']. */
  socket?: Partial<ManagerOptions & SocketOptions>;
  /** fetch for REST calls (default globalThis.fetch). */
  fetch?: typeof fetch;
}

export interface SendHandle {
  client_message_id: string;
  /** Settles when the service stored the message (or refused it: ChatApiError). Never needs awaiting. */
  sent: Promise<Message>;
}

interface OutboxEntry {
  chatId: number;
  payload: ClientEvents['message:send']['payload'];
  notBefore: number;
  failed: boolean;
  resolve: (message: Message) => void;
  reject: (error: ChatApiError) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A UUID v4; crypto.randomUUID exists only in secure contexts (https, localhost). */
function newClientMessageId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The chat client: REST (typed by the OpenAPI document), the socket (typed by the event catalog),
 * an observable store, and the reliability a chat UI needs: token refresh on 401 and
 * `auth:expired`, catch-up with `chat:sync` after every reconnect, and an outbox that sends each
 * message exactly once across dropped connections.
 */
export class ChatClient {
  readonly api: RestClient;
  readonly socket: ChatSocket;
  readonly store = new ChatStore();
  private readonly tokens: TokenManager;
  private readonly baseUrl: string;
  private readonly ackTimeoutMs: number;
  private readonly pageSize: number;
  private readonly outbox = new Map<string, OutboxEntry>();
  private flushing = false;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private handshakeToken: string | null = null;
  private expired = false;
  private stopped = false;
  private connectedOnce = false;
  /** Handshakes refused in a row for a reason retrying may outlast (limit_exceeded, banned…): backoff. */
  private refusals = 0;
  private readonly syncing = new Map<number, Promise<void>>();
  private readonly refreshing = new Set<number>();
  private readonly errorListeners = new Set<(error: unknown) => void>();

  constructor(options: ChatClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.tokens = new TokenManager(options.auth);
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    this.pageSize = options.pageSize ?? 50;
    this.api = createRestClient(this.baseUrl, this.tokens, options.fetch);
    this.socket = io(this.baseUrl, {
      transports: ['websocket'],
      ...options.socket,
      autoConnect: false,
      auth: (send) => {
        void this.tokens.get().then(
          (token) => {
            this.handshakeToken = token;
            send({ token: token ?? '' });
          },
          (error: unknown) => {
            this.report(error);
            send({ token: '' });
          },
        );
      },
    });
    this.store.onNeedsRefresh = (chatId, reason) => {
      if (reason === 'gap') void this.sync(chatId).catch((e: unknown) => this.report(e));
      else void this.refreshChat(chatId);
    };
    this.wireSocket();
  }

  /** Errors the client handled in the background (a failed catch-up, refresh…); the UI may show them. */
  onError(listener: (error: unknown) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Loads the user and the first page of chats, then connects the socket. */
  async start(): Promise<void> {
    this.stopped = false;
    this.store.setConnection('connecting');
    const me = unwrap(await this.api.GET('/api/v1/users/me'));
    this.store.setMe(me);
    await this.loadChats();
    this.socket.connect();
  }

  /** Disconnects; unsent messages stay in the outbox and go out after the next start(). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.flushTimer);
    this.socket.disconnect();
    this.store.setConnection('idle');
  }

  // -- chats and messages ------------------------------------------------------------------------

  /** The first page of chats (most recent activity first) into the store; `cursor` for the next ones. */
  async loadChats(cursor?: string): Promise<{ next_cursor: string | null }> {
    const page = unwrap(
      await this.api.GET('/api/v1/chats', {
        params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } },
      }),
    );
    this.store.upsertChats(page.items);
    return { next_cursor: page.next_cursor };
  }

  /** Keeps the chat's messages in the store from now on: loads its newest page, then catches up live. */
  async openChat(chatId: number): Promise<void> {
    if (this.store.isOpen(chatId)) return;
    const page = unwrap(
      await this.api.GET('/api/v1/chats/{chat_id}/messages', {
        params: { path: { chat_id: chatId }, query: { sort: 'desc', limit: this.pageSize } },
      }),
    );
    this.store.addMessages(chatId, page.items, { hasOlder: page.has_more });
    // Anything sent between that page and the socket's events.
    if (this.socket.connected) await this.sync(chatId);
  }

  /** The page before the oldest loaded message (infinite scroll up). */
  async loadOlder(chatId: number): Promise<void> {
    const before = this.store.firstSeq(chatId);
    if (!Number.isFinite(before)) return this.openChat(chatId);
    const page = unwrap(
      await this.api.GET('/api/v1/chats/{chat_id}/messages', {
        params: { path: { chat_id: chatId }, query: { sort: 'desc', before, limit: this.pageSize } },
      }),
    );
    this.store.addMessages(chatId, page.items, { hasOlder: page.has_more });
  }

  /**
   * Sends a message optimistically: it shows at once in the store as `pending`, goes out over the
   * socket when connected, and is sent again with the same client_message_id after a timeout or a
   * reconnect until acknowledged (the service stores it once). A refusal (4xx) leaves it `failed`:
   * `retry()` or `discard()` it.
   */
  send(chatId: number, input: SendMessageInput): SendHandle {
    const client_message_id = input.client_message_id ?? newClientMessageId();
    const payload = { ...input, chat_id: chatId, client_message_id };
    let resolve!: (message: Message) => void;
    let reject!: (error: ChatApiError) => void;
    const sent = new Promise<Message>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    sent.catch(() => {}); // a caller that does not await sees the failure in the store
    this.outbox.set(client_message_id, { chatId, payload, notBefore: 0, failed: false, resolve, reject });
    this.store.putOutgoing(this.outgoing(chatId, client_message_id, input, 'pending'));
    void this.flush();
    return { client_message_id, sent };
  }

  /** Queues a failed message again. */
  retry(clientMessageId: string): void {
    const entry = this.outbox.get(clientMessageId);
    if (!entry?.failed) return;
    entry.failed = false;
    entry.notBefore = 0;
    this.store.putOutgoing(this.outgoing(entry.chatId, clientMessageId, entry.payload, 'pending'));
    void this.flush();
  }

  /** Drops a failed (or not yet sent) message. One already on its way may still be stored. */
  discard(clientMessageId: string): void {
    this.outbox.delete(clientMessageId);
    this.store.removeOutgoing(clientMessageId);
  }

  /** Messages not acknowledged yet, oldest first (e.g. to keep them across a page reload). */
  pending(): { chat_id: number; input: SendMessageInput & { client_message_id: string }; failed: boolean }[] {
    return [...this.outbox.values()].map((e) => {
      const { chat_id, ...input } = e.payload;
      return { chat_id, input: input as SendMessageInput & { client_message_id: string }, failed: e.failed };
    });
  }

  async edit(chatId: number, messageId: number, content: string): Promise<Message> {
    const message = await this.emit('message:edit', { chat_id: chatId, message_id: messageId, content });
    this.store.applyUpdated(message);
    return message;
  }

  async delete(chatId: number, messageId: number): Promise<void> {
    await this.emit('message:delete', { chat_id: chatId, message_id: messageId });
  }

  async react(chatId: number, messageId: number, emoji: string, on: boolean): Promise<void> {
    const { reactions } = await this.emit('message:react', {
      chat_id: chatId,
      message_id: messageId,
      emoji,
      on,
    });
    this.store.setReactions(chatId, messageId, reactions);
  }

  /** Marks the chat read up to `upToSeq` (default: its last message). */
  async markRead(chatId: number, upToSeq?: number): Promise<void> {
    const unread = await this.emit('chat:read', {
      chat_id: chatId,
      ...(upToSeq ? { up_to_seq: upToSeq } : {}),
    });
    this.store.setUnread(chatId, unread);
  }

  async typing(chatId: number, isTyping: boolean): Promise<void> {
    await this.emit('typing', { chat_id: chatId, is_typing: isTyping });
  }

  /** Uploads a photo, voice message or file; attach it with `send(chatId, {attachment_ids: [a.id]})`. */
  upload(source: UploadSource, options?: UploadOptions): Promise<Attachment> {
    return uploadAttachment(this.baseUrl, this.tokens, source, options);
  }

  /**
   * Catches the chat up from its last stored seq with `chat:sync`, page by page, merging by id.
   * The client calls it for every open chat after each reconnect.
   */
  sync(chatId: number): Promise<void> {
    const running = this.syncing.get(chatId);
    if (running) return running;
    const run = (async () => {
      let after = this.store.lastSeq(chatId);
      for (;;) {
        const page = await this.emit('chat:sync', { chat_id: chatId, after_seq: after, limit: 100 });
        this.store.addMessages(chatId, page.items);
        if (!page.has_more || page.items.length === 0) return;
        after = page.items[page.items.length - 1].seq;
      }
    })().finally(() => this.syncing.delete(chatId));
    this.syncing.set(chatId, run);
    return run;
  }

  /** Catches up everything after a reconnect: the chat list (counts, new chats), then each open chat. */
  async resync(): Promise<void> {
    await this.loadChats();
    await Promise.all(
      this.store.openChatIds().map((chatId) =>
        this.sync(chatId).catch((error: unknown) => {
          // 403/404: the chat is gone for this user.
          if (error instanceof ChatApiError && (error.status === 403 || error.status === 404))
            this.store.removeChat(chatId);
          else throw error;
        }),
      ),
    );
  }

  /**
   * A client event with its ack, as a promise: the ack's data, or the ack's error as a
   * ChatApiError. A rate-limited or unavailable answer is retried after details.retry_after_ms.
   * Needs the connection: rejects at once when offline, and when no ack comes within ackTimeoutMs
   * (only sends are queued; see send()).
   */
  async emit<E extends keyof ClientEvents>(
    event: E,
    payload: ClientEvents[E]['payload'],
  ): Promise<ClientEvents[E]['ack']> {
    for (let attempt = 0; ; attempt++) {
      const ack = await this.emitOnce(event, payload);
      if (ack.ok) return ack.data;
      const error = new ChatApiError(ack.error);
      if (!error.retryable || attempt >= 5) throw error;
      await sleep(error.retryAfterMs ?? 1000);
    }
  }

  // -- internals ---------------------------------------------------------------------------------

  /** One emit and its ack; rejects when no ack comes within ackTimeoutMs or the connection drops. */
  private emitOnce<E extends keyof ClientEvents>(
    event: E,
    payload: ClientEvents[E]['payload'],
  ): Promise<Ack<ClientEvents[E]['ack']>> {
    // socket.io-client would buffer it and send it at the next connect, after the caller gave up.
    if (!this.socket.connected) return Promise.reject(new Error(`${event}: not connected`));
    // socket.io-client types a timed emit's ack with a leading error argument, which the event maps leave out.
    const emitter = this.socket.timeout(this.ackTimeoutMs) as unknown as {
      emitWithAck(event: E, payload: ClientEvents[E]['payload']): Promise<Ack<ClientEvents[E]['ack']>>;
    };
    return emitter.emitWithAck(event, payload);
  }

  private wireSocket(): void {
    const s = this.socket;
    s.on('connect', () => {
      this.refusals = 0;
      this.store.setConnection('online');
      const reconnect = this.connectedOnce;
      this.connectedOnce = true;
      void (async () => {
        try {
          if (reconnect) await this.resync();
          else await Promise.all(this.store.openChatIds().map((id) => this.sync(id)));
        } catch (error) {
          this.report(error);
        }
      })();
      void this.flush();
    });
    s.on('disconnect', (reason) => {
      if (this.stopped) return;
      this.store.setConnection('offline');
      // The server closed it (token expired, instance shutting down): socket.io does not reconnect by itself.
      if (reason === 'io server disconnect') void this.reconnect(this.expired);
    });
    s.on(
      'connect_error',
      (error: Error & { data?: Partial<ErrorBody> & { details?: { retry_after_ms?: number } } }) => {
        if (this.stopped) return;
        this.store.setConnection('offline');
        if (error.message === 'unauthorized') void this.reconnect(true);
        else if (error.message === 'rate_limited')
          void this.reconnect(false, error.data?.details?.retry_after_ms ?? 5000);
        else if (!s.active) void this.reconnect(false, Math.min(30_000, 1000 * 2 ** this.refusals++));
        // otherwise a transport error: socket.io's manager reconnects with backoff.
      },
    );
    s.on('auth:expired', () => {
      this.expired = true;
    });
    s.on('message:new', (m) => this.store.applyNew(m));
    s.on('message:updated', (m) => this.store.applyUpdated(m));
    s.on('message:deleted', (e) => this.store.applyDeleted(e));
    s.on('message:reactions', (e) => this.store.applyReactions(e));
    s.on('chat:read', (e) => this.store.applyRead(e));
    s.on('chat:created', (c) => this.store.upsertChats([c]));
    s.on('chat:updated', (c) => this.store.upsertChats([c]));
    s.on('chat:deleted', (e) => this.store.removeChat(e.chat_id));
    s.on('member:added', (e) => this.store.applyMember(e));
    s.on('member:updated', (e) => this.store.applyMember(e));
    s.on('member:removed', (e) => this.store.applyMemberRemoved(e));
  }

  /** Connects again, with a new token first when the last one was refused or expired. */
  private async reconnect(refresh: boolean, delayMs = 0): Promise<void> {
    try {
      if (delayMs) await sleep(delayMs);
      if (refresh) {
        this.expired = false;
        const token = await this.tokens.refresh(this.handshakeToken);
        if (!token) {
          this.store.setConnection('signed_out');
          return;
        }
      }
      if (!this.stopped && !this.socket.connected) this.socket.connect();
    } catch (error) {
      this.report(error);
      if (!this.stopped) void this.reconnect(refresh, 2000);
    }
  }

  /** Sends the outbox in order, one message at a time, while connected. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    clearTimeout(this.flushTimer);
    try {
      while (this.socket.connected && !this.stopped) {
        const next = [...this.outbox.entries()].find(([, e]) => !e.failed);
        if (!next) return;
        const [id, entry] = next;
        const wait = entry.notBefore - Date.now();
        if (wait > 0) {
          this.flushTimer = setTimeout(() => void this.flush(), wait);
          return;
        }
        let ack: Ack<Message>;
        try {
          ack = await this.emitOnce('message:send', entry.payload);
        } catch {
          // No ack (timed out, or the connection dropped): the same client_message_id goes again.
          continue;
        }
        if (!this.outbox.has(id)) continue; // discarded meanwhile
        if (ack.ok) {
          this.outbox.delete(id);
          this.store.applyNew(ack.data);
          this.store.removeOutgoing(id);
          entry.resolve(ack.data);
          continue;
        }
        const error = new ChatApiError(ack.error);
        if (error.retryable || error.status >= 500) {
          entry.notBefore = Date.now() + (error.retryAfterMs ?? 1000);
          continue;
        }
        entry.failed = true;
        this.store.putOutgoing({
          ...this.outgoing(entry.chatId, id, entry.payload, 'failed'),
          error: ack.error,
        });
        entry.reject(error);
      }
    } finally {
      this.flushing = false;
    }
  }

  private outgoing(
    chatId: number,
    clientMessageId: string,
    input: SendMessageInput,
    status: OutgoingMessage['status'],
  ): OutgoingMessage {
    const rest: SendMessageInput & { chat_id?: number } = { ...input };
    delete rest.chat_id;
    return {
      status,
      key: `c:${this.store.getMe()?.id ?? 0}:${clientMessageId}`,
      chat_id: chatId,
      client_message_id: clientMessageId,
      input: rest,
      created_at: new Date().toISOString(),
    };
  }

  /** Re-reads one chat (its counts or last message changed in a way events do not tell). */
  private async refreshChat(chatId: number): Promise<void> {
    if (this.refreshing.has(chatId)) return;
    this.refreshing.add(chatId);
    try {
      const { data, response } = await this.api.GET('/api/v1/chats/{chat_id}', {
        params: { path: { chat_id: chatId } },
      });
      if (data) this.store.upsertChats([data], true);
      else if (response.status === 403 || response.status === 404) this.store.removeChat(chatId);
    } catch (error) {
      this.report(error);
    } finally {
      this.refreshing.delete(chatId);
    }
  }

  private report(error: unknown): void {
    for (const listener of [...this.errorListeners]) listener(error);
  }
}
