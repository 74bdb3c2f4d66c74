import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { poolOf } from '../../src/database/pg-pool.driver';
import { dataSourceOptions } from '../../src/database/data-source.options';
import type { ChatType } from '../../src/database/entities/chat.entity';
import { RECEIPTS_IN_BATCH_MAX, SendRequest } from '../../src/messages/send-batch.planner';
import type { NewAttachment } from '../../src/repositories/attachments.repository';
import { ChatsRepository } from '../../src/repositories/chats.repository';
import { MembersRepository } from '../../src/repositories/members.repository';
import { sendBatchQuery, SentRow } from '../../src/repositories/send-batch.statements';
import { UsersRepository } from '../../src/repositories/users.repository';
import { ownDatabase } from './test-database.fixture';

export interface MigratedDatabase {
  db: DataSource;
  /** Its connection URL, for clients of its own (the job queue). */
  url: string;
  /** Closes the connections and drops the database. */
  drop: () => Promise<void>;
}

/**
 * A fresh database of its own, migrated, on the run's test server: one per integration test
 * file, so that no file sees another's rows. A copy of the run's migrated template (see
 * global.setup.ts), or, outside it, an empty database migrated here.
 */
export async function migratedDatabase(prefix = 'chat_int'): Promise<MigratedDatabase> {
  const own = await ownDatabase(prefix);
  const db = new DataSource(dataSourceOptions(own.url, 4));
  await db.initialize();
  return {
    db,
    url: own.url,
    drop: async () => {
      await db.destroy();
      await own.drop();
    },
  };
}

/** Rows for repository tests, written through the repositories themselves. */
export class Seed {
  private users = 0;
  readonly chats: ChatsRepository;
  readonly members: MembersRepository;

  constructor(private readonly db: DataSource) {
    this.chats = new ChatsRepository(db);
    this.members = new MembersRepository(db);
  }

  async user(name = `user_${++this.users}`): Promise<number> {
    const user = await new UsersRepository(this.db).create({
      username: name,
      displayName: name.toUpperCase(),
      passwordHash: 'x',
    });
    return user!.id;
  }

  /** A live chat owned by `ownerId`, with `others` as plain members. */
  async chat(ownerId: number, others: number[], chatType: ChatType = 'other'): Promise<number> {
    const memberIds = [ownerId, ...others];
    return this.db.transaction(async (manager) => {
      const chatId = await this.chats.create(
        {
          chatType,
          title: null,
          postId: chatType === 'response' ? 1 : null,
          createdBy: ownerId,
          memberKey: [...memberIds].sort((a, b) => a - b).join(','),
          visibility: 'private',
        },
        others,
        manager,
      );
      if (chatId === undefined) throw new Error('a block between the creator and a member refused the chat');
      await this.members.addAll(chatId, ownerId, memberIds, manager);
      return chatId;
    });
  }

  /** One batch of the group commit, as the batcher runs it (in autocommit): the rows it inserted. */
  sendBatch(requests: SendRequest[], receiptsMax = RECEIPTS_IN_BATCH_MAX): Promise<SentRow[]> {
    const { text, values } = sendBatchQuery(requests, receiptsMax);
    return this.db.query(text, values);
  }

  async send(
    chatId: number,
    senderId: number,
    content = 'Кошка у подъезда',
    clientMessageId: string | null = null,
  ): Promise<SentRow | undefined> {
    const [row] = await this.sendBatch([{ chatId, senderId, content, clientMessageId }]);
    return row;
  }
}

/** A PDF upload's row of `sizeBytes` bytes (no bytes in storage: the repositories never read them). */
export function pdfAttachment(uploaderId: number, sizeBytes = 10): NewAttachment {
  return {
    uploaderId,
    kind: 'file',
    mimeType: 'application/pdf',
    sizeBytes,
    name: 'a.pdf',
    width: null,
    height: null,
    durationMs: null,
    waveform: null,
    storageKey: `attachments/${randomUUID()}/original`,
    thumbnailKey: null,
    thumbnailBytes: 0,
    placeholder: null,
  };
}

/**
 * Connections of their own out of the database's pool, for tests that hold locks on one and
 * watch another wait: `connection()` checks one out (with its backend pid), `releaseAll()` gives
 * them back (afterEach), `waitingForLock(pid)` resolves once that backend waits for a lock.
 */
export function lockWatch(m: () => MigratedDatabase) {
  const clients: PoolClient[] = [];
  return {
    async connection(): Promise<{ client: PoolClient; pid: number }> {
      const client = await poolOf(m().db)!.connect();
      clients.push(client);
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      return { client, pid: rows[0].pid };
    },
    releaseAll(): void {
      for (const client of clients.splice(0)) client.release();
    },
    async waitingForLock(pid: number): Promise<void> {
      await pollUntil(async () => {
        const rows: unknown[] = await m().db.query(
          `SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`,
          [pid],
        );
        return rows.length > 0;
      }, `backend ${pid} never waited for a lock`);
    },
  };
}

/** Resolves once `check` answers true (asked every 10 ms, for 5 s at most); throws `failure` then. */
export async function pollUntil(check: () => Promise<boolean>, failure: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(failure);
}
