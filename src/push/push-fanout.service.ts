import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { JobWithMetadata } from 'pg-boss';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app.config';
import { DomainEventBus } from '../events/domain-events.bus';
import { JobsService } from '../jobs/jobs.service';
import { MetricsService } from '../observability/metrics.service';
import { PresenceService } from '../realtime/presence.service';
import { PushRepository } from '../repositories/push.repository';
import { DELIVER_QUEUE, DeliverJob, FANOUT_QUEUE, FanoutJob, jobIdOf } from './push-jobs';
import { pushBody } from './push-text';
import { errorMessage } from '../common/errors/error-message';

/**
 * How long the messages committed after a first one are gathered for one check of their chats'
 * subscribed members: at 700 messages a second, about 14 reads a second instead of 700.
 */
const CHECK_GATHER_MS = 20;

/** Chats the sweep re-queues at most per run (the rest on the next). */
const SWEEP_CHATS_MAX = 1000;

/**
 * Decides who gets a Web Push for a chat's new messages, and queues one delivery job per
 * subscription (README, "Web Push"). Nothing here runs on the send path: the message's ack and
 * broadcast never wait for it.
 *
 * - After a message's commit (message.created), when another member of the chat has a push
 *   subscription, a fan-out job of its chat is queued, due PUSH_COALESCE_MS later; while one
 *   waits, more messages of the chat queue nothing more (the queue's stately policy keeps one
 *   waiting and one running per chat). So a burst becomes one fan-out, and one push per recipient
 *   carrying the newest message.
 * - The fan-out, under the chat's push cursor lock, reads the messages past the cursor and the
 *   members who may get a push (a subscription, level `all`, or `mentions` and mentioned; not
 *   muted; not the sender; no connected socket on any instance), queues each delivery with an id
 *   derived from (subscription, message) so a retried fan-out never queues one twice, then moves
 *   the cursor, and commits.
 * - Durability: the job is queued after the commit, so a process that dies in between would lose
 *   it. The cursor closes that gap: every instance sweeps, at start and every
 *   PUSH_SWEEP_INTERVAL_SECONDS, for chats active within PUSH_MAX_AGE_SECONDS with subscribed
 *   members whose last_seq is past their cursor and queues their fan-out again (the same
 *   singleton key: at most one waiting).
 */
@Injectable()
export class PushFanout implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WebPush');
  private unsubscribe?: () => void;
  private sweeper?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  /** Chats whose fan-out this instance queued, until when a new message needs no other. */
  private readonly queuedUntil = new Map<number, number>();
  /** Messages committed since the last check: their chats and senders. */
  private readonly noted = new Map<number, Set<number>>();
  /** The check of the noted messages, due CHECK_GATHER_MS after the first. */
  private checking?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
    private readonly jobs: JobsService,
    private readonly events: DomainEventBus,
    private readonly push: PushRepository,
    private readonly presence: PresenceService,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    const pollingIntervalSeconds = this.config.push.pollIntervalMs / 1000;
    this.jobs.register<FanoutJob>(FANOUT_QUEUE, (batch) => this.run(batch as JobWithMetadata<FanoutJob>[]), {
      queue: {
        policy: 'stately',
        retryLimit: 5,
        retryDelay: 2,
        retryBackoff: true,
        retryDelayMax: 60,
        // A fan-out cut off by a crash runs again this soon (it takes milliseconds).
        expireInSeconds: 60,
        deleteAfterSeconds: 3600,
      },
      work: { pollingIntervalSeconds, includeMetadata: true, batchSize: 1, localConcurrency: 1 },
    });
    this.metrics.watchQueue(FANOUT_QUEUE, () => this.jobs.depth(FANOUT_QUEUE));
    this.unsubscribe = this.events.subscribe((event) => {
      // Noted only: the send's ack and broadcast never wait for the check or the queue.
      if (event.type === 'message.created') this.noteMessage(event.chatId, event.message.sender_id);
    });
  }

  /**
   * A message was committed: its chat's fan-out is queued, unless no other member has a push
   * subscription (most chats on most sends), or this instance queued it less than half the
   * coalescing window ago (that job, due at the end of the window, will read this message too;
   * the half leaves room for clock skew between this process and PostgreSQL). The messages of
   * CHECK_GATHER_MS are checked together, in one read (no write), rather than one read each.
   */
  private noteMessage(chatId: number, senderId: number): void {
    if ((this.queuedUntil.get(chatId) ?? 0) > Date.now()) return;
    const senders = this.noted.get(chatId) ?? new Set<number>();
    senders.add(senderId);
    this.noted.set(chatId, senders);
    this.checking ??= setTimeout(() => void this.checkNoted(), CHECK_GATHER_MS);
  }

  /** The gathered messages' chats: which have subscribed members, and their fan-outs queued. */
  private async checkNoted(): Promise<void> {
    const noted = [...this.noted].flatMap(([chatId, senders]) =>
      [...senders].map((sender) => [chatId, sender]),
    );
    this.noted.clear();
    this.checking = undefined;
    let chatIds: number[];
    try {
      chatIds = await this.push.chatsWithSubscribedMembers(
        noted.map(([chatId]) => chatId),
        noted.map(([, sender]) => sender),
      );
    } catch (error) {
      // The sweep finds the chats behind their cursors.
      this.logger.warn(
        `Reading the push subscribers of ${noted.length} chats failed: ${errorMessage(error)}`,
      );
      return;
    }
    const now = Date.now();
    if (this.queuedUntil.size > 10_000) {
      for (const [chat, until] of this.queuedUntil) if (until <= now) this.queuedUntil.delete(chat);
    }
    await Promise.all(
      chatIds.map((chatId) => {
        this.queuedUntil.set(chatId, now + this.config.push.coalesceMs / 2);
        return this.schedule(chatId);
      }),
    );
  }

  onApplicationBootstrap(): void {
    this.sweeping = this.sweep();
    this.sweeper = setInterval(() => {
      this.sweeping = this.sweep();
    }, this.config.push.sweepIntervalSeconds * 1000);
    this.sweeper.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    clearInterval(this.sweeper);
    // Messages still gathered are checked now rather than left to the next sweep.
    if (this.checking) {
      clearTimeout(this.checking);
      await this.checkNoted();
    }
    await this.sweeping;
  }

  /** Queues the chat's fan-out, due after the coalescing window; a no-op while one waits. */
  async schedule(chatId: number): Promise<void> {
    try {
      await this.jobs.send<FanoutJob>(
        FANOUT_QUEUE,
        { chatId },
        { singletonKey: String(chatId), startAfter: this.config.push.coalesceMs / 1000 },
      );
    } catch (error) {
      // The sweep queues it again.
      this.logger.warn(`Queueing the push fan-out of chat ${chatId} failed: ${errorMessage(error)}`);
    }
  }

  /** Queues the fan-out of every chat whose messages past its cursor were never fanned out. */
  async sweep(): Promise<void> {
    try {
      const chats = await this.push.chatsBehind(this.config.push.maxAgeSeconds, SWEEP_CHATS_MAX);
      for (const chatId of chats) await this.schedule(chatId);
    } catch (error) {
      this.logger.warn(`The push sweep failed: ${errorMessage(error)}`);
    }
  }

  private async run(batch: JobWithMetadata<FanoutJob>[]): Promise<void> {
    for (const job of batch) {
      this.metrics.jobStarted(FANOUT_QUEUE, (Date.now() - new Date(job.startAfter).getTime()) / 1000);
      await this.fanOut(job.data.chatId);
    }
  }

  /** One fan-out of a chat: the deliveries its new messages call for, then its cursor moved. */
  async fanOut(chatId: number): Promise<void> {
    const maxAgeMs = this.config.push.maxAgeSeconds * 1000;
    await this.db.transaction(async (manager) => {
      const cursor = await this.push.lockCursor(chatId, manager);
      const chat = await this.push.chat(chatId, manager);
      if (!chat || cursor < 0) return;
      if (chat.deleted || chat.last_seq <= cursor) {
        await this.push.advanceCursor(chatId, chat.last_seq, manager);
        return;
      }
      const messages = await this.push.messagesAfter(chatId, cursor, manager);
      const now = Date.now();
      const fresh = messages.filter((message) => now - new Date(message.created_at).getTime() <= maxAgeMs);
      const recipients = fresh.length > 0 ? await this.push.recipients(chatId, manager) : [];
      const online = await this.presence.onlineAmong(recipients.map((recipient) => recipient.user_id));
      const deliveries: { id: string; data: DeliverJob }[] = [];
      for (const recipient of recipients) {
        if (online.has(recipient.user_id)) continue;
        // Newest first: the newest message of someone else that the level lets through.
        const message = fresh.find(
          (m) =>
            m.sender_id !== recipient.user_id &&
            (recipient.level === 'all' || m.mentions.includes(recipient.user_id)),
        );
        if (!message) continue;
        const sentAt = new Date(message.created_at).getTime();
        for (const subscription of recipient.subscriptions) {
          // A browser subscribed after the message was sent did not miss it.
          if (Date.parse(subscription.created_at) > sentAt) continue;
          deliveries.push({
            id: jobIdOf(`${subscription.id}:${message.id}`),
            data: {
              userId: recipient.user_id,
              subscriptionId: subscription.id,
              payload: {
                chat_id: chatId,
                message_id: message.id,
                seq: message.seq,
                chat_title: chat.title ?? message.sender_name,
                sender_name: message.sender_name,
                body: pushBody(message, recipient.locale),
              },
            },
          });
        }
      }
      // Queued before the cursor moves: a fan-out that dies here is retried, and the ids make
      // the deliveries it queued already no-ops.
      await this.jobs.insert<DeliverJob>(DELIVER_QUEUE, deliveries);
      await this.push.advanceCursor(chatId, Math.max(chat.last_seq, messages[0]?.seq ?? 0), manager);
    });
  }
}
