import type { Socket } from 'socket.io-client';
import { onSchedule } from './schedule';
import { GeneratorHealth, SelfMonitor } from './self-monitor';
import { Recorder, Summary } from './stats';

/**
 * The open-loop message generator. Sends `message:send` on a fixed schedule without waiting for
 * acks; every latency is measured from the SCHEDULED send time, so a server that falls behind
 * cannot slow the generator down and hide its own queueing (no coordinated omission). Every
 * `message:new` is matched to its message by `client_message_id`, per receiving socket, which
 * counts losses (never received within the drain window) and duplicates.
 */

export interface Participant {
  socket: Socket;
  /** Receivers are reported per group too (the multinode scenario: which instance they are on). */
  group: string;
}

export interface LoadChat {
  id: number;
  /** Indices into the participants: every one of them must receive each message. */
  members: number[];
  /** Indices into the participants that send (round robin). */
  senders: number[];
}

export interface StepResult {
  rate: number;
  durationMs: number;
  sent: number;
  acked: number;
  /** Acks with `ok: false`, or no ack within the drain window. */
  failed: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  /** Deliveries to a socket that is not a member of the chat. */
  misdelivered: number;
  ack: Summary;
  e2e: Summary;
  e2eByGroup: Record<string, Summary>;
  /** How late the generator actually sent, against its schedule. */
  sendLag: Summary;
  generator: GeneratorHealth;
}

interface Pending {
  scheduled: number;
  chat: ChatState;
  seen: Uint8Array;
}

interface ChatState extends LoadChat {
  position: Map<number, number>;
}

interface AckReply {
  ok: boolean;
  data?: unknown;
  error?: { code?: string; message?: string };
}

export const CONTENT = 'Кошка у подъезда на Лесной, 3: нужна переноска и кто-то с машиной до клиники. Msg ';

export class MessageLoad {
  private prefix = '\u0000';
  private pending: Pending[] = [];
  private e2e = new Recorder();
  private byGroup = new Map<string, Recorder>();
  private delivered = 0;
  private duplicates = 0;
  private misdelivered = 0;
  private stepCount = 0;
  /** The first ack error of the last step, to say why a step failed. */
  lastError: string | null = null;

  constructor(
    private readonly participants: Participant[],
    private readonly runTag: string,
  ) {
    participants.forEach((participant, index) => {
      participant.socket.on('message:new', (message: { client_message_id?: string | null }) =>
        this.onMessage(index, message.client_message_id),
      );
    });
  }

  private onMessage(participant: number, clientId: string | null | undefined): void {
    const now = performance.now();
    if (!clientId?.startsWith(this.prefix)) return; // a late message of an earlier step
    const entry = this.pending[Number(clientId.slice(this.prefix.length))];
    if (!entry) return;
    const position = entry.chat.position.get(participant);
    if (position === undefined) {
      this.misdelivered++;
      return;
    }
    if (entry.seen[position]++ > 0) {
      this.duplicates++;
      return;
    }
    this.delivered++;
    const latency = now - entry.scheduled;
    this.e2e.add(latency);
    this.byGroup.get(this.participants[participant].group)?.add(latency);
  }

  /**
   * Sends `rate` messages a second for `durationMs`, round robin over the chats and their senders,
   * then waits up to `drainMs` for the last deliveries and acks.
   */
  async step(loadChats: LoadChat[], rate: number, durationMs: number, drainMs: number): Promise<StepResult> {
    const chats: ChatState[] = loadChats.map((chat) => ({
      ...chat,
      position: new Map(chat.members.map((member, index) => [member, index])),
    }));
    this.prefix = `${this.runTag}.${++this.stepCount}.`;
    const total = Math.max(1, Math.round((rate * durationMs) / 1000));
    this.pending = new Array<Pending>(total);
    this.e2e = new Recorder();
    this.byGroup = new Map(this.participants.map((p) => [p.group, new Recorder()]));
    this.delivered = this.duplicates = this.misdelivered = 0;
    this.lastError = null;
    const ack = new Recorder();
    const sendLag = new Recorder();
    let acked = 0;
    let failed = 0;
    let expected = 0;

    const monitor = new SelfMonitor();
    monitor.start();
    await onSchedule(total, 1000 / rate, (i, scheduled, now) => {
      const chat = chats[i % chats.length];
      const round = Math.floor(i / chats.length);
      const sender = this.participants[chat.senders[round % chat.senders.length]];
      this.pending[i] = { scheduled, chat, seen: new Uint8Array(chat.members.length) };
      expected += chat.members.length;
      sendLag.add(now - scheduled);
      sender.socket.emit(
        'message:send',
        { chat_id: chat.id, content: CONTENT + i, client_message_id: this.prefix + i },
        (reply: AckReply) => {
          const at = performance.now();
          if (reply?.ok) {
            acked++;
            ack.add(at - scheduled);
          } else {
            failed++;
            this.lastError ??= JSON.stringify(reply?.error ?? reply);
          }
        },
      );
    });

    const deadline = performance.now() + drainMs;
    while (performance.now() < deadline && (this.delivered < expected || acked + failed < total)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const generator = monitor.stop();
    const unanswered = total - acked - failed;
    return {
      rate,
      durationMs,
      sent: total,
      acked,
      failed: failed + unanswered,
      expected,
      delivered: this.delivered,
      lost: expected - this.delivered,
      duplicates: this.duplicates,
      misdelivered: this.misdelivered,
      ack: ack.summary(),
      e2e: this.e2e.summary(),
      e2eByGroup: Object.fromEntries([...this.byGroup].map(([group, rec]) => [group, rec.summary()])),
      sendLag: sendLag.summary(),
      generator,
    };
  }
}

/** A step passes when p99 end-to-end is within the bound, nothing is lost and the generator kept up. */
export function stepPassed(result: StepResult, p99BoundMs: number): boolean {
  return (
    result.e2e.p99 <= p99BoundMs &&
    result.lost === 0 &&
    result.failed === 0 &&
    result.duplicates === 0 &&
    result.misdelivered === 0 &&
    !result.generator.saturated
  );
}
