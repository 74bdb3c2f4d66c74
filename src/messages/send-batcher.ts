import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { readUpTo } from './receipts';
import {
  beginAndLockChatsSql,
  cursorMoves,
  groupBatch,
  RECEIPTS_IN_BATCH_MAX,
  SEND_BATCH_SQL,
  SendRequest,
  SentRow,
} from './send-batch';

/**
 * What became of one request: the row it inserted (created) or the row an earlier request of the
 * same batch with its client_message_id inserted (not created); undefined when nothing was
 * inserted for it (the caller finds out why).
 */
export type SendOutcome = { row: SentRow; created: boolean } | undefined;

interface Waiting {
  request: SendRequest;
  resolve: (outcome: SendOutcome) => void;
  reject: (error: unknown) => void;
}

/** Requests per transaction at most; more wait for the next one. */
export const BATCH_MAX = 256;
/** Transactions in flight at once: while they commit, new requests gather into the next one. */
export const BATCHES_IN_FLIGHT = 4;

/**
 * Group commit for sends. A request that finds fewer than BATCHES_IN_FLIGHT transactions in
 * flight goes at once, alone (no added delay when it is quiet); the requests that arrive while
 * they commit go together in the next transaction, so under load many messages share one commit
 * and one WAL flush. Every caller is answered only after its transaction committed, and seqs
 * stay gapless per chat (the send statement numbers only the requests it accepts).
 *
 * Transactions in flight never share a chat: a request for a chat that one of them holds waits
 * for it, with the others of that chat, in arrival order. So they never queue on each other's
 * chat locks in PostgreSQL (only on those of other instances), and run side by side.
 *
 * A batch that fails as a whole (it should not: the locks are ordered and the input validated)
 * is retried one request per transaction, so one bad request fails alone.
 */
@Injectable()
export class MessageSendBatcher {
  private readonly logger = new Logger(MessageSendBatcher.name);
  private queue: Waiting[] = [];
  private inFlight = 0;
  /** Chats that a transaction in flight holds. */
  private readonly busy = new Set<number>();
  /** Since start: transactions committed, messages they sent, batches retried one by one. */
  private batches = 0;
  private messages = 0;
  private retried = 0;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  get committed(): { batches: number; messages: number; retried: number } {
    return { batches: this.batches, messages: this.messages, retried: this.retried };
  }

  send(request: SendRequest): Promise<SendOutcome> {
    return new Promise<SendOutcome>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < BATCHES_IN_FLIGHT) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      const chats = new Set(batch.map((waiting) => waiting.request.chatId));
      for (const chat of chats) this.busy.add(chat);
      this.inFlight++;
      void this.flush(batch).finally(() => {
        for (const chat of chats) this.busy.delete(chat);
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** The queued requests of chats no transaction holds, up to BATCH_MAX, in arrival order. */
  private takeBatch(): Waiting[] {
    if (this.busy.size === 0 && this.queue.length <= BATCH_MAX) {
      const all = this.queue;
      this.queue = [];
      return all;
    }
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    for (const waiting of this.queue) {
      if (batch.length < BATCH_MAX && !this.busy.has(waiting.request.chatId)) batch.push(waiting);
      else rest.push(waiting);
    }
    this.queue = rest;
    return batch;
  }

  private async flush(batch: Waiting[]): Promise<void> {
    let outcomes: Promise<SendOutcome>[];
    try {
      outcomes = await this.commit(batch.map((waiting) => waiting.request));
    } catch (error) {
      if (batch.length === 1 || error instanceof CommitFailed) {
        // A failed COMMIT may have committed after all: retrying could send twice.
        const cause = error instanceof CommitFailed ? error.cause : error;
        for (const waiting of batch) waiting.reject(cause);
        return;
      }
      this.retried++;
      this.logger.warn(`A batch of ${batch.length} sends failed, retrying one by one: ${describe(error)}`);
      for (const waiting of batch) await this.flush([waiting]);
      return;
    }
    batch.forEach((waiting, i) => void outcomes[i].then(waiting.resolve, waiting.reject));
  }

  /** One transaction for the batch, in three round trips; the outcome of each request, in order. */
  private async commit(requests: SendRequest[]): Promise<Promise<SendOutcome>[]> {
    const { unique, sharesWith } = groupBatch(requests);
    const pool = (this.db.driver as PostgresDriver).master as Pool;
    const client = await pool.connect();
    let broken: Error | undefined;
    let rows: SentRow[];
    try {
      await client.query(beginAndLockChatsSql([...new Set(unique.map((request) => request.chatId))]));
      // A named statement: planned once per connection, not once per batch.
      const result = await client.query<SentRow>({
        name: 'send_batch',
        text: SEND_BATCH_SQL,
        values: [
          unique.map((request) => request.chatId),
          unique.map((request) => request.senderId),
          unique.map((request) => request.content),
          unique.map((request) => request.clientMessageId),
          RECEIPTS_IN_BATCH_MAX,
        ],
      });
      rows = result.rows;
      await client.query('COMMIT').catch((error: unknown) => {
        throw new CommitFailed(error);
      });
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken);
    }
    this.batches++;
    this.messages += rows.length;
    const late = cursorMoves(rows).filter((move) => move.upToSeq - move.afterSeq > RECEIPTS_IN_BATCH_MAX);
    // Long backlogs: the cursor move and its receipts after the commit; only those senders wait.
    const backlogs = new Map<string, Promise<void>>();
    for (const move of late) {
      const read = readUpTo(this.db, move.chatId, move.userId, move.upToSeq);
      backlogs.set(
        `${move.chatId}:${move.userId}`,
        read.catch((error: unknown) =>
          this.logger.error(`Reading a backlog after a send failed: ${describe(error)}`),
        ),
      );
    }
    const byOrd = new Map(rows.map((row) => [row.ord, row]));
    const answered = new Set<number>();
    return sharesWith.map(async (index) => {
      const row = byOrd.get(index + 1);
      if (!row) return undefined;
      const created = !answered.has(index);
      answered.add(index);
      await backlogs.get(`${row.chat_id}:${row.sender_id}`);
      return { row, created };
    });
  }
}

/** The COMMIT itself failed: whether the batch is in the database is unknown. */
class CommitFailed extends Error {
  constructor(override readonly cause: unknown) {
    super(`COMMIT failed: ${describe(cause)}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
