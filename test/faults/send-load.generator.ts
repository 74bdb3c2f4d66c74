import { io } from 'socket.io-client';
import type { Ack } from '../../src/realtime/events.types';
import type { ClientSocket } from '../support/sockets.helpers';

/** Generous, so that a send the server never answers shows as a timeout, not as a hang. */
export const ACK_TIMEOUT_MS = 15_000;

export interface StoredAs {
  id: number;
  seq: number;
}

/** How one message:send ended: an ack, an error ack, or no answer (`timeout`, `disconnected`). */
export type Answer =
  | { ok: true; ms: number; message: StoredAs }
  | { ok: false; ms: number; code: string; status?: number; retryAfterMs?: number };

export interface SendRecord {
  clientMessageId: string;
  chatId: number;
  user: number;
  /** performance.now() at the emit. */
  startedAt: number;
  endedAt?: number;
  /** Undefined while in flight. */
  answer?: Answer;
  /** For a failed send: the outcome of resending it with the same client_message_id. */
  retry?: { answer: Answer; attempts: number };
}

export interface LoadUser {
  id: number;
  token: string;
}

/** A socket of `user`: websocket only, reconnecting by itself as a real client does. */
export function connectUser(origin: string, user: LoadUser): Promise<ClientSocket> {
  const socket: ClientSocket = io(origin, {
    auth: { token: user.token },
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 200,
    reconnectionDelayMax: 1000,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
}

export async function send(socket: ClientSocket, chatId: number, clientMessageId: string): Promise<Answer> {
  const startedAt = performance.now();
  const ms = () => performance.now() - startedAt;
  try {
    const ack = (await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message:send', {
      chat_id: chatId,
      content: `fault load ${clientMessageId}`,
      client_message_id: clientMessageId,
    })) as Ack<StoredAs>;
    if (ack.ok) return { ok: true, ms: ms(), message: { id: ack.data.id, seq: ack.data.seq } };
    const details = ack.error.details as { retry_after_ms?: unknown } | undefined;
    return {
      ok: false,
      ms: ms(),
      code: ack.error.code,
      status: ack.error.status,
      retryAfterMs: typeof details?.retry_after_ms === 'number' ? details.retry_after_ms : undefined,
    };
  } catch (error) {
    const disconnected = error instanceof Error && /disconnected/.test(error.message);
    return { ok: false, ms: ms(), code: disconnected ? 'disconnected' : 'timeout' };
  }
}

/**
 * A steady send load: every user sends one message every `intervalMs` (staggered, round robin
 * over the chats), without waiting for earlier acks, each with a unique client_message_id.
 */
export class SendLoad {
  readonly records: SendRecord[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly sockets: ClientSocket[],
    private readonly chatIds: number[],
    private readonly tag: string,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.sockets.forEach((socket, user) => {
      let n = 0;
      const tick = () => this.sendOne(socket, user, n++);
      const offset = (user * this.intervalMs) / this.sockets.length;
      this.timers.push(
        setTimeout(() => {
          tick();
          this.timers.push(setInterval(tick, this.intervalMs));
        }, offset),
      );
    });
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearTimeout(timer);
  }

  /** Resolves when every send so far is answered or timed out (at most ACK_TIMEOUT_MS). */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all(this.inFlight);
  }

  /** When the first send started at or after `since` was acknowledged, or undefined. */
  firstAckOfSendStartedAfter(since: number): number | undefined {
    const acked = this.records.filter((r) => r.startedAt >= since && r.answer?.ok && r.endedAt);
    return acked.length ? Math.min(...acked.map((r) => r.endedAt!)) : undefined;
  }

  private sendOne(socket: ClientSocket, user: number, n: number): void {
    const chatId = this.chatIds[(user + n) % this.chatIds.length];
    const record: SendRecord = {
      clientMessageId: `${this.tag}-u${user}-${n}`,
      chatId,
      user,
      startedAt: performance.now(),
    };
    this.records.push(record);
    const sent = send(socket, chatId, record.clientMessageId).then((answer) => {
      record.answer = answer;
      record.endedAt = performance.now();
      this.inFlight.delete(sent);
    });
    this.inFlight.add(sent);
  }
}

/**
 * Resends every failed send with its own client_message_id, one after another per user, as a
 * client would: after `retry_after_ms` when the server gave one, up to `maxAttempts` each, and
 * none started after `deadline` (performance.now()).
 */
export async function retryFailed(
  sockets: ClientSocket[],
  records: SendRecord[],
  maxAttempts: number,
  deadline: number,
): Promise<void> {
  const failed = records.filter((r) => r.answer && !r.answer.ok);
  await Promise.all(
    sockets.map(async (socket, user) => {
      for (const record of failed.filter((r) => r.user === user)) {
        for (let attempts = 1; attempts <= maxAttempts && performance.now() < deadline; attempts += 1) {
          const answer = await send(socket, record.chatId, record.clientMessageId);
          record.retry = { answer, attempts };
          if (answer.ok) break;
          const wait = Math.min(answer.retryAfterMs ?? 500, 2000);
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    }),
  );
}
