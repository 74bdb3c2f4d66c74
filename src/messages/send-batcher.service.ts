import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DatabaseError, type PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { DatabaseUnavailable, isDatabaseUnavailable } from '../common/errors/database-unavailable.error';
import { AppConfig } from '../config/app.config';
import { poolOf } from '../database/pg-pool.driver';
import { sendBatchStatements, SentRow } from '../repositories/send-batch.statements';
import { ReadStateService } from './read-state.service';
import { MessageSearchIndexer } from './search-indexer.service';
import { cursorMoves, groupBatch, RECEIPTS_IN_BATCH_MAX, SendRequest } from './send-batch.planner';
import { errorMessage } from '../common/errors/error-message';

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
  /** Ends the wait with a 503 when the database takes longer than the bound. */
  deadline: NodeJS.Timeout;
  /** Set once the request left the queue for a transaction. */
  batch?: Batch;
  /** Its transaction committed: answered with its outcome, never abandoned. */
  committed?: boolean;
}

/** One transaction in flight (or its retries one by one) and the chats it holds. */
interface Batch {
  waiting: Waiting[];
  chats: Set<number>;
  /** The connection it is using, while it has one. */
  client?: PoolClient;
  /** Past its deadline: its callers were answered 503, its chats freed, its connection dropped. */
  abandoned: boolean;
  /** Its chats and its slot are free again. */
  done: boolean;
}

/** Requests per transaction at most; more wait for the next one. */
export const BATCH_MAX = 256;
/** Transactions in flight at most: while they commit, new requests gather into the next one. */
export const BATCHES_IN_FLIGHT = 4;
/**
 * Transactions in flight while fewer than BACKLOG_FOR_MORE requests wait: a send that finds as
 * many in flight waits for one of them, and shares the next transaction (and its commit) with
 * the sends that arrived meanwhile.
 */
export const QUIET_BATCHES_IN_FLIGHT = 2;
/** Requests waiting at which up to BATCHES_IN_FLIGHT transactions run instead of QUIET_BATCHES_IN_FLIGHT. */
export const BACKLOG_FOR_MORE = 4;

/**
 * Group commit for sends. A request that finds fewer than QUIET_BATCHES_IN_FLIGHT transactions
 * in flight goes at once, alone (no added delay when it is quiet); the requests that arrive while
 * they commit go together in the next transaction, so under load many messages share one commit
 * and one WAL flush. Once BACKLOG_FOR_MORE requests wait, up to BATCHES_IN_FLIGHT transactions
 * run (two cannot keep up with a high rate while each waits for its WAL flush; four at every
 * rate sent most messages alone, each with its own commit: docs/bench-results.md, "Sends: two
 * transactions in flight, four once a backlog builds"). Every caller is answered only after its
 * transaction committed, and seqs stay gapless per chat (the send statement numbers only the
 * requests it accepts).
 *
 * Transactions in flight never share a chat: a request for a chat that one of them holds waits
 * for it, with the others of that chat, in arrival order. So they never queue on each other's
 * chat locks in PostgreSQL (only on those of other instances), and run side by side.
 *
 * A batch that fails as a whole (it should not: the locks are ordered and the input validated)
 * is retried one request per transaction, so one bad request fails alone; only when PostgreSQL
 * answered with an error (then it rolled the whole transaction back), not when the database is
 * away (all would fail), nor without an answer (it may have committed).
 *
 * No caller waits longer than DATABASE_QUERY_TIMEOUT_MS from its call: one still queued then is
 * answered 503; one whose transaction is still running abandons that transaction (its callers
 * are answered 503, its chats freed and its connection dropped, so PostgreSQL rolls it back
 * unless its COMMIT already got through). Whatever the outcome, a client that retries with the
 * same client_message_id gets its message stored once.
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

  private readonly timeoutMs: number;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly readState: ReadStateService,
    config: AppConfig,
    private readonly searchIndexer: MessageSearchIndexer,
  ) {
    this.timeoutMs = config.databaseQueryTimeoutMs;
  }

  get committed(): { batches: number; messages: number; retried: number } {
    return { batches: this.batches, messages: this.messages, retried: this.retried };
  }

  send(request: SendRequest): Promise<SendOutcome> {
    return new Promise<SendOutcome>((resolve, reject) => {
      const waiting: Waiting = {
        request,
        resolve: (outcome) => {
          clearTimeout(waiting.deadline);
          resolve(outcome);
        },
        reject: (error) => {
          clearTimeout(waiting.deadline);
          // Whatever the transaction threw, passed on as is (as before the bound existed).
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        },
        deadline: setTimeout(() => this.expire(waiting), this.timeoutMs),
      };
      this.queue.push(waiting);
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.slots()) {
      const taken = this.takeBatch();
      if (taken.length === 0) return;
      const batch: Batch = {
        waiting: taken,
        chats: new Set(taken.map((waiting) => waiting.request.chatId)),
        abandoned: false,
        done: false,
      };
      for (const waiting of taken) waiting.batch = batch;
      for (const chat of batch.chats) this.busy.add(chat);
      this.inFlight++;
      void this.flush(batch, taken).finally(() => this.finish(batch));
    }
  }

  /** How many transactions may be in flight now: few while the queue is short, more as it grows. */
  private slots(): number {
    return this.queue.length >= BACKLOG_FOR_MORE ? BATCHES_IN_FLIGHT : QUIET_BATCHES_IN_FLIGHT;
  }

  /** Frees the batch's chats and slot, once. */
  private finish(batch: Batch): void {
    if (batch.done) return;
    batch.done = true;
    for (const chat of batch.chats) this.busy.delete(chat);
    this.inFlight--;
    this.pump();
  }

  /** A caller's bound passed: out of the queue, or its whole transaction abandoned. */
  private expire(waiting: Waiting): void {
    const batch = waiting.batch;
    if (!batch) {
      const index = this.queue.indexOf(waiting);
      if (index >= 0) this.queue.splice(index, 1);
      waiting.reject(new DatabaseUnavailable());
      return;
    }
    if (batch.abandoned || batch.done) return;
    batch.abandoned = true;
    this.logger.warn(
      `A send transaction of ${batch.waiting.length} messages took over ${this.timeoutMs} ms: abandoned`,
    );
    batch.client?.release(new Error('send transaction abandoned'));
    batch.client = undefined;
    const error = new DatabaseUnavailable();
    for (const abandoned of batch.waiting) if (!abandoned.committed) abandoned.reject(error);
    this.finish(batch);
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

  /** Commits `group` (the batch, or one of its requests when retried one by one). */
  private async flush(batch: Batch, group: Waiting[]): Promise<void> {
    let outcomes: Promise<SendOutcome>[];
    try {
      outcomes = await this.commit(batch, group);
    } catch (error) {
      if (batch.abandoned) return;
      if (group.length === 1 || !refusedByDatabase(error) || isDatabaseUnavailable(error)) {
        // Without PostgreSQL's answer the batch may have committed: retrying could send twice.
        for (const waiting of group) waiting.reject(error);
        return;
      }
      this.retried++;
      this.logger.warn(
        `A batch of ${group.length} sends failed, retrying one by one: ${errorMessage(error)}`,
      );
      for (const waiting of group) await this.flush(batch, [waiting]);
      return;
    }
    group.forEach((waiting, i) => void outcomes[i].then(waiting.resolve, waiting.reject));
  }

  /**
   * One transaction for the batch, in one round trip (the send_batch function in autocommit: chat
   * locks, send statement, COMMIT); the outcome of each request, in order.
   */
  private async commit(batch: Batch, group: Waiting[]): Promise<Promise<SendOutcome>[]> {
    const { unique, sharesWith } = groupBatch(group.map((waiting) => waiting.request));
    const pool = poolOf(this.db);
    if (!pool) throw new Error('The send batcher needs the DataSource built with pgDriver()');
    const client = await pool.connect();
    if (batch.abandoned) {
      client.release();
      throw new DatabaseUnavailable();
    }
    batch.client = client;
    let broken: Error | undefined;
    // Checked out, a connection that fails emits 'error' with no one else listening (pg-pool
    // listens only to idle ones): unheard, that would end the process.
    const noteBroken = (error: Error): void => {
      broken = error;
    };
    client.on('error', noteBroken);
    let rows: SentRow[];
    try {
      rows = await sendBatchStatements.send(client, unique, RECEIPTS_IN_BATCH_MAX);
      // Committed: the callers are answered whatever comes next, however long it takes.
      for (const waiting of group) {
        waiting.committed = true;
        clearTimeout(waiting.deadline);
      }
    } catch (error) {
      // PostgreSQL rolled a refused batch back and the connection is ready; after anything else
      // its state is unknown, and it is dropped.
      if (!batch.abandoned && (!refusedByDatabase(error) || isDatabaseUnavailable(error)))
        broken ??= error as Error;
      throw error;
    } finally {
      client.removeListener('error', noteBroken);
      // An abandoned batch's connection was dropped already.
      if (batch.client === client) {
        batch.client = undefined;
        client.release(broken);
      }
    }
    this.batches++;
    this.messages += rows.length;
    // The search blocks these rows complete: built after the commit, off the send path.
    this.searchIndexer.noteSent(rows);
    const late = cursorMoves(rows).filter((move) => move.upToSeq - move.afterSeq > RECEIPTS_IN_BATCH_MAX);
    // Long backlogs: the cursor move and its receipts after the commit; only those senders wait.
    const backlogs = new Map<string, Promise<void>>();
    for (const move of late) {
      const read = this.readState.readUpTo(move.chatId, move.userId, move.upToSeq);
      backlogs.set(
        `${move.chatId}:${move.userId}`,
        read.catch((error: unknown) =>
          this.logger.error(`Reading a backlog after a send failed: ${errorMessage(error)}`),
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

/**
 * PostgreSQL answered the batch's statement with an error (a SQLSTATE): its implicit transaction,
 * commit included, was rolled back, so the requests can be retried. Anything else (the connection
 * lost, no answer) leaves unknown whether it committed.
 */
function refusedByDatabase(error: unknown): boolean {
  return error instanceof DatabaseError;
}
