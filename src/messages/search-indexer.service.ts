import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app.config';
import { MessageSearchRepository, SEARCH_SEGMENT_SIZE } from '../repositories/message-search.repository';

/**
 * Builds the search blocks of message_search_segments (MessageSearchRepository) after the sends,
 * outside their transactions: the send statement writes no search index at all.
 *
 * A committed send whose seq completes a block (a multiple of SEARCH_SEGMENT_SIZE) queues its
 * chat; a chat that has had no send for SEARCH_TAIL_QUIET_SECONDS is queued to have its tail closed
 * too (a shorter block of the messages past its last one), so that a search reads no message of a
 * quiet chat directly (docs/perf-search.md). The queue is built one chat at a time. Nothing here
 * is needed for a search to be right, only for it to be fast: the search reads the messages past
 * a chat's last block directly. A build lost to a crash or a database error is made up by the
 * next one of that chat, which writes all the missing blocks at once; a tail left open by a
 * restart closes after the chat's next send.
 */
@Injectable()
export class MessageSearchIndexer implements OnModuleDestroy {
  private readonly logger = new Logger(MessageSearchIndexer.name);
  /** Chats to build, and whether to close their tails. */
  private readonly queued = new Map<number, boolean>();
  /** When each chat last had a send, oldest first (re-inserted on every send). */
  private readonly lastSent = new Map<number, number>();
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  /** 0: tails are never closed for quiet (nor chats tracked). */
  private readonly quietMs: number;

  constructor(
    private readonly search: MessageSearchRepository,
    config: AppConfig,
  ) {
    this.quietMs = config.searchTailQuietSeconds * 1000;
  }

  /** After a send batch committed: queues the chats where a row completed a block. */
  noteSent(rows: readonly { chat_id: number; seq: number }[]): void {
    const now = Date.now();
    for (const row of rows) {
      if (row.seq % SEARCH_SEGMENT_SIZE === 0) this.queue(row.chat_id, false);
      if (this.quietMs === 0) continue;
      this.lastSent.delete(row.chat_id);
      this.lastSent.set(row.chat_id, now);
    }
    this.arm();
    if (this.queued.size > 0) this.running ??= this.drain();
  }

  /** Resolves once the queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private queue(chatId: number, closeTail: boolean): void {
    this.queued.set(chatId, closeTail || (this.queued.get(chatId) ?? false));
  }

  /** Wakes up when the chat that sent longest ago has been quiet for quietMs. */
  private arm(): void {
    if (this.timer || this.lastSent.size === 0) return;
    const [oldest] = this.lastSent.values();
    this.timer = setTimeout(() => this.closeQuiet(), Math.max(0, oldest + this.quietMs - Date.now()));
    this.timer.unref();
  }

  private closeQuiet(): void {
    this.timer = undefined;
    const quietSince = Date.now() - this.quietMs;
    for (const [chatId, at] of this.lastSent) {
      if (at > quietSince) break;
      this.lastSent.delete(chatId);
      this.queue(chatId, true);
    }
    this.arm();
    if (this.queued.size > 0) this.running ??= this.drain();
  }

  private async drain(): Promise<void> {
    try {
      for (const [chatId, closeTail] of this.queued) {
        this.queued.delete(chatId);
        await this.search.buildSegments(chatId, closeTail).catch((error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          this.logger.warn(
            `Building the search blocks of chat ${chatId} failed (the next block retries): ${message}`,
          );
        });
      }
    } finally {
      this.running = undefined;
    }
  }
}
