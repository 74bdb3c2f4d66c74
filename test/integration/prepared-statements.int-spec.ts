import { DataSource, EntityManager } from 'typeorm';
import { iso } from '../../src/common/time.util';
import { dataSourceOptions } from '../../src/database/data-source.options';
import { ChatsRepository } from '../../src/repositories/chats.repository';
import { MembersRepository } from '../../src/repositories/members.repository';
import { PushRepository } from '../../src/repositories/push.repository';
import { ReadStateRepository } from '../../src/repositories/read-state.repository';
import {
  CrossChatSearchRepository,
  crossChatSearchQuery,
} from '../../src/repositories/cross-chat-search.repository';
import { historyQuery, MessagesRepository } from '../../src/repositories/messages.repository';
import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';

interface PreparedRow {
  statement: string;
  generic_plans: number;
  custom_plans: number;
}

/**
 * History pages and searches of up to two words run as named prepared statements
 * (src/database/prepared-statements.ts through DroppingClient): parsed once per connection, and
 * planned once when PostgreSQL settles on the generic plan. Longer searches run unnamed.
 */
describe('prepared history statements (integration)', () => {
  let m: MigratedDatabase;
  let messages: MessagesRepository;
  let chatId: number;
  let viewerId: number;
  /** A chat of 20,000 messages, analyzed: a size at which the cost of a plan's LIMIT shows. */
  let longChatId: number;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_prepared');
    const seed = new Seed(m.db);
    messages = new MessagesRepository(m.db);
    viewerId = await seed.user();
    const other = await seed.user();
    chatId = await seed.chat(viewerId, [other]);
    await seed.sendBatch(
      Array.from({ length: 200 }, (_, i) => ({
        chatId,
        senderId: i % 2 ? viewerId : other,
        content: `кошка у подъезда #${i}${i % 50 === 7 ? ' лишайчик' : ''}`,
        clientMessageId: null,
      })),
    );
    longChatId = await seed.chat(viewerId, [other]);
    await m.db.query(
      `INSERT INTO messages (chat_id, seq, sender_id, sender_name, content)
       SELECT $1, g, $2, 'OTHER', 'сообщение ' || g FROM generate_series(1, 20000) g`,
      [longChatId, other],
    );
    await m.db.query('UPDATE chats SET last_seq = 20000 WHERE id = $1', [longChatId]);
    await m.db.query('ANALYZE');
  });
  afterAll(() => m.drop());

  async function onOneConnection(run: (repo: MessagesRepository, manager: never) => Promise<void>) {
    const runner = m.db.createQueryRunner();
    await runner.connect();
    try {
      await run(messages, runner.manager as never);
      const rows: PreparedRow[] = await runner.query(
        'SELECT statement, generic_plans::int, custom_plans::int FROM pg_prepared_statements',
      );
      return rows;
    } finally {
      await runner.release();
    }
  }

  /**
   * Runs `run` on a data source of one connection (for repositories that query their DataSource,
   * not a manager), and answers the plans PostgreSQL kept of the statements whose text has
   * `fragment`, as {custom_plans, generic_plans}.
   */
  async function onlyConnection(run: (db: DataSource) => Promise<void>) {
    const single = new DataSource(dataSourceOptions(m.url, 1));
    await single.initialize();
    try {
      await run(single);
      const rows: PreparedRow[] = await single.query(
        'SELECT statement, generic_plans::int, custom_plans::int FROM pg_prepared_statements',
      );
      return (fragment: string) =>
        rows
          .filter((row) => row.statement.includes(fragment))
          .map(({ custom_plans, generic_plans }) => ({ custom_plans, generic_plans }));
    } finally {
      await single.destroy();
    }
  }

  it('runs a search as one prepared statement, planned once it settles on the generic plan', async () => {
    const filter = { limit: 20, query: 'лишайчик' };
    const prepared = await onOneConnection(async (repo, manager) => {
      for (let i = 0; i < 8; i++) {
        const rows = await repo.history(chatId, viewerId, filter, manager);
        expect(rows.map((row) => row.seq)).toEqual([158, 108, 58, 8]);
      }
    });
    const { sql } = historyQuery(chatId, viewerId, filter);
    const mine = prepared.filter((row) => row.statement === sql);
    expect(mine).toHaveLength(1);
    // PostgreSQL's first five executions are custom plans; the rest reuse the generic one.
    expect(mine[0]).toMatchObject({ custom_plans: 5, generic_plans: 3 });
  });

  it("reads history and search rows' timestamps as the contract's text, the instants Dates give", async () => {
    const dates = async (manager: EntityManager, seqs: number[]): Promise<string[]> => {
      // Unregistered: node-postgres' Dates.
      const rows: { created_at: Date }[] = await manager.query(
        'SELECT created_at FROM messages WHERE chat_id = $1 AND seq = ANY($2) ORDER BY seq DESC',
        [chatId, seqs],
      );
      return rows.map((row) => row.created_at.toISOString());
    };
    await onOneConnection(async (repo, manager: EntityManager) => {
      await manager.query('UPDATE messages SET edited_at = now() WHERE chat_id = $1 AND seq = 158', [chatId]);
      for (const filter of [{ limit: 3 }, { limit: 3, query: 'лишайчик' }]) {
        const rows = await repo.history(chatId, viewerId, filter, manager);
        expect(rows.map((row) => typeof row.created_at)).toEqual(['string', 'string', 'string', 'string']);
        expect(rows.map((row) => row.created_at)).toEqual(
          await dates(
            manager,
            rows.map((row) => row.seq),
          ),
        );
        expect(rows.every((row) => iso(row.created_at) === row.created_at)).toBe(true);
      }
      const [edited] = await repo.history(chatId, viewerId, { limit: 1, query: 'лишайчик' }, manager);
      const [{ edited_at }]: { edited_at: Date }[] = await manager.query(
        'SELECT edited_at FROM messages WHERE chat_id = $1 AND seq = 158',
        [chatId],
      );
      expect(edited.edited_at).toBe(edited_at.toISOString());
      // A session in another zone gives other texts: parsed into Dates as before, the same instants.
      const utc = await repo.history(chatId, viewerId, { limit: 3 }, manager);
      await manager.query("SET TimeZone = 'Asia/Kolkata'");
      try {
        const zoned = await repo.history(chatId, viewerId, { limit: 3 }, manager);
        expect(zoned.map((row) => row.created_at instanceof Date)).toEqual([true, true, true, true]);
        expect(zoned.map((row) => iso(row.created_at))).toEqual(utc.map((row) => row.created_at));
      } finally {
        await manager.query('RESET TimeZone');
        await manager.query('UPDATE messages SET edited_at = NULL WHERE chat_id = $1 AND seq = 158', [
          chatId,
        ]);
      }
    });
  });

  it.each([
    ['the newest page', { limit: 50 }],
    ['a page before a seq', { limit: 50, before: 15000 }],
    ['a page after a seq, ascending', { limit: 50, after: 200, sort: 'asc' as const }],
  ])('plans %s once too: its LIMIT is in the text, not a parameter', async (_page, filter) => {
    // With LIMIT a parameter the generic plan is costed for 10% of the chat's rows (the value
    // unknown), never cheaper than a custom plan: PostgreSQL planned every page afresh.
    const prepared = await onOneConnection(async (repo, manager) => {
      for (let i = 0; i < 8; i++)
        expect(await repo.history(longChatId, viewerId, filter, manager)).toHaveLength(51);
    });
    const { sql } = historyQuery(longChatId, viewerId, filter);
    expect(sql).toContain('LIMIT 51');
    expect(prepared.filter((row) => row.statement === sql)).toEqual([
      { statement: sql, custom_plans: 5, generic_plans: 3 },
    ]);
  });

  it("plans a long chat's page once among shorter chats too: its chat and bounds are opaque", async () => {
    // 100 chats of 500 messages beside the long one: planned with its values, a page of the long
    // chat looked cheaper than the generic plan (an average chat's), and PostgreSQL planned every
    // page afresh (custom_plans 8) for the same walk of messages_chat_seq_key.
    const seed = new Seed(m.db);
    const other = await seed.user('short_owner');
    const shorter: number[] = [];
    for (let i = 0; i < 100; i++) shorter.push(await seed.chat(other, [await seed.user(`short_${i}`)]));
    await m.db.query(
      `INSERT INTO messages (chat_id, seq, sender_id, sender_name, content)
       SELECT c, g, $2, 'OTHER', 'сообщение ' || g FROM unnest($1::int[]) c, generate_series(1, 500) g`,
      [shorter, other],
    );
    await m.db.query('ANALYZE');
    try {
      // Page sizes no other test here uses: texts prepared afresh on this connection.
      for (const filter of [{ limit: 40 }, { limit: 40, before: 15000 }]) {
        const prepared = await onOneConnection(async (repo, manager) => {
          for (let i = 0; i < 8; i++)
            expect(
              await repo.history(
                longChatId,
                viewerId,
                { ...filter, before: filter.before && filter.before - i },
                manager,
              ),
            ).toHaveLength(41);
        });
        const { sql } = historyQuery(longChatId, viewerId, filter);
        expect(prepared.filter((row) => row.statement === sql)).toEqual([
          { statement: sql, custom_plans: 5, generic_plans: 3 },
        ]);
      }
    } finally {
      await m.db.query('DELETE FROM messages WHERE chat_id = ANY($1)', [shorter]);
      await m.db.query('ANALYZE');
    }
  });

  it('plans a page of the chat list once too, its LIMIT in the text', async () => {
    const seed = new Seed(m.db);
    const reader = await seed.user('lister');
    for (let i = 0; i < 30; i++) await seed.chat(reader, [await seed.user(`partner_${i}`)]);
    await m.db.query('ANALYZE');
    const chats = new ChatsRepository(m.db);
    let text: string | undefined;
    const prepared = await onOneConnection(async (_repo, manager) => {
      const recorder = { query: (sql: string) => ((text = sql), Promise.resolve([])) };
      await chats.page(reader, { limit: 21 }, recorder as never);
      for (let i = 0; i < 8; i++) expect(await chats.page(reader, { limit: 21 }, manager)).toHaveLength(21);
    });
    // The page's chats are limited in a subquery; only their views are read (ChatsRepository.page).
    expect(text).toMatch(/ LIMIT 21\) p\s/);
    expect(prepared.filter((row) => row.statement === text)).toEqual([
      { statement: text, custom_plans: 5, generic_plans: 3 },
    ]);
  });

  it('plans the Web Push subscriber check once: it runs every 20 ms under load', async () => {
    const planned = await onlyConnection(async (db) => {
      const push = new PushRepository(db);
      for (let i = 0; i < 8; i++) {
        expect(await push.chatsWithSubscribedMembers([chatId, longChatId], [viewerId, viewerId])).toEqual([]);
      }
    });
    expect(planned('push_subscriptions')).toEqual([{ custom_plans: 5, generic_plans: 3 }]);
  });

  it("plans the access check, the unread count and a mark-read's two statements once", async () => {
    const planned = await onlyConnection(async (db) => {
      const members = new MembersRepository(db);
      const readState = new ReadStateRepository(db);
      for (let seq = 1; seq <= 8; seq++) {
        expect(await members.access(longChatId, viewerId)).toMatchObject({ role: 'owner' });
        expect(await readState.unread(longChatId, viewerId)).toBeDefined();
        await db.transaction(async (manager) => {
          const upTo = await readState.writeReceiptsPastCursor(longChatId, viewerId, seq, manager);
          expect(upTo).toBe(seq);
          expect(await members.moveReadCursor(longChatId, viewerId, upTo!, manager)).toBeDefined();
        });
      }
    });
    for (const fragment of [
      'LEFT JOIN chat_members m ON m.chat_id = c.id AND m.user_id = $2',
      'FROM chats c JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = $2',
      'INSERT INTO message_read_ranges',
      'UPDATE chat_members cm SET last_read_seq = target.up_to',
    ]) {
      expect({ fragment, plans: planned(fragment) }).toEqual({
        fragment,
        plans: [{ custom_plans: 5, generic_plans: 3 }],
      });
    }
  });

  it('runs a search across chats prepared, on its generic plan once settled; three words unnamed', async () => {
    // Every value behind an InitPlan: a custom plan costs what the generic one does. Different
    // words and cursors share one text, so one plan: a rare word and a common one alternate.
    const search = new CrossChatSearchRepository(m.db);
    const rows = await onOneConnection(async (_repo, manager) => {
      for (let i = 0; i < 4; i++) {
        for (const query of ['лишайчик', 'кошка']) {
          const found = await search.search(viewerId, { query, limit: 5 }, manager);
          expect(found.map((row) => row.chat_id)).toContain(chatId);
        }
      }
      await search.search(viewerId, { query: 'кошка у подъезда', limit: 5 }, manager);
    });
    const { sql } = crossChatSearchQuery(viewerId, { query: 'кошка', limit: 5 });
    expect(crossChatSearchQuery(viewerId, { query: 'лишайчик', limit: 5 }).sql).toBe(sql);
    expect(rows.filter((row) => row.statement === sql)).toEqual([
      { statement: sql, custom_plans: 5, generic_plans: 3 },
    ]);
    const three = crossChatSearchQuery(viewerId, { query: 'кошка у подъезда', limit: 5 }).sql;
    expect(rows.map((row) => row.statement)).not.toContain(three);
  });

  it('runs a plain page prepared too, and a search of three words unnamed', async () => {
    const prepared = await onOneConnection(async (repo, manager) => {
      await repo.history(chatId, viewerId, { limit: 50, before: 100 }, manager);
      await repo.history(chatId, viewerId, { limit: 50, query: 'кошка у подъезда' }, manager);
    });
    const statements = prepared.map((row) => row.statement);
    expect(statements).toContain(historyQuery(chatId, viewerId, { limit: 50, before: 100 }).sql);
    expect(statements).not.toContain(
      historyQuery(chatId, viewerId, { limit: 50, query: 'кошка у подъезда' }).sql,
    );
  });
});
