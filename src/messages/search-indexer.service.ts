import { Injectable, Logger } from '@nestjs/common';
import { MessageSearchRepository, SEARCH_SEGMENT_SIZE } from '../repositories/message-search.repository';

/**
 * Builds the search blocks of message_search_segments (MessageSearchRepository) after the sends,
 * outside their transactions: the send statement writes no search index at all.
 *
 * A committed send whose seq completes a block (a multiple of SEARCH_SEGMENT_SIZE) queues its
 * chat; the queue is built one chat at a time, each build writing every complete block of the
 * chat not written yet. Nothing here is needed for a search to be right, only for it to be
 * fast: the search reads the messages past a chat's last block directly. A build lost to a crash
 * or a database error is made up by the next one of that chat (a block later), which writes all
 * the missing blocks at once.
 */
@Injectable()
export class MessageSearchIndexer {
  private readonly logger = new Logger(MessageSearchIndexer.name);
  private readonly queued = new Set<number>();
  private running?: Promise<void>;

  constructor(private readonly search: MessageSearchRepository) {}

  /** After a send batch committed: queues the chats where a row completed a block. */
  noteSent(rows: readonly { chat_id: number; seq: number }[]): void {
    for (const row of rows) if (row.seq % SEARCH_SEGMENT_SIZE === 0) this.queued.add(row.chat_id);
    if (this.queued.size > 0) this.running ??= this.drain();
  }

  /** Resolves once the queue is empty (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      for (const chatId of this.queued) {
        this.queued.delete(chatId);
        await this.search.buildSegments(chatId).catch((error: unknown) => {
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
