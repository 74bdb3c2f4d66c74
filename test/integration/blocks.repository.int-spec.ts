import type { EntityManager } from 'typeorm';
import {
  blockedBetweenSql,
  blockedPairChatSql,
  BlocksRepository,
  MAX_BLOCKS_PER_USER,
} from '../../src/repositories/blocks.repository';
import { ChatsRepository } from '../../src/repositories/chats.repository';
import { MembersRepository } from '../../src/repositories/members.repository';
import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';

describe('BlocksRepository and the block predicates (integration)', () => {
  let m: MigratedDatabase;
  let seed: Seed;
  let blocks: BlocksRepository;
  let chats: ChatsRepository;
  let members: MembersRepository;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_blocks');
    seed = new Seed(m.db);
    blocks = new BlocksRepository(m.db);
    chats = new ChatsRepository(m.db);
    members = new MembersRepository(m.db);
  });
  afterAll(() => m.drop());

  const inTransaction = <T>(work: (manager: EntityManager) => Promise<T>): Promise<T> =>
    m.db.transaction(work);

  async function betweenSql(a: number, b: number): Promise<boolean> {
    const [row]: { blocked: boolean }[] = await m.db.query(
      `SELECT ${blockedBetweenSql('$1::int', '$2::int')} AS blocked`,
      [a, b],
    );
    return row.blocked;
  }

  async function pairChatBlockedSql(chatId: number): Promise<boolean> {
    const [row]: { blocked: boolean }[] = await m.db.query(
      `SELECT ${blockedPairChatSql('c')} AS blocked FROM chats c WHERE c.id = $1`,
      [chatId],
    );
    return row.blocked;
  }

  async function waitingForAdvisoryLock(): Promise<void> {
    for (let attempt = 0; attempt < 250; attempt++) {
      const [row]: { waiting: number }[] = await m.db.query(
        `SELECT count(*)::int AS waiting FROM pg_locks
          WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      if (row.waiting > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('no transaction waited for an advisory lock');
  }

  it('answers "either blocks the other" both ways, and only for that pair', async () => {
    const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    expect(await betweenSql(a, b)).toBe(false);
    await inTransaction((manager) => blocks.add(a, b, manager));
    expect([await betweenSql(a, b), await betweenSql(b, a)]).toEqual([true, true]);
    expect([await betweenSql(a, c), await betweenSql(c, b)]).toEqual([false, false]);
    expect(await blocks.between(b, a)).toBe(true);
    expect(await blocks.blockedAmong(b, [c, a])).toEqual([a]);
  });

  it('adds once (idempotent), refuses past the limit, and removes', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    expect(await inTransaction((manager) => blocks.add(a, b, manager))).toBe('added');
    expect(await inTransaction((manager) => blocks.add(a, b, manager))).toBe('exists');
    expect((await blocks.list(a)).map((user) => user.id)).toEqual([b]);
    expect(await inTransaction((manager) => blocks.remove(a, b, manager))).toBe(true);
    expect(await inTransaction((manager) => blocks.remove(a, b, manager))).toBe(false);

    const many = await m.db.query<{ id: number }[]>(
      `INSERT INTO users (username, display_name, password_hash)
       SELECT 'many_' || g || '_' || $1, 'x', 'x' FROM generate_series(1, $2) g RETURNING id`,
      [a, MAX_BLOCKS_PER_USER],
    );
    await m.db.query(
      'INSERT INTO user_blocks (blocker_id, blocked_id) SELECT $1, id FROM unnest($2::int[]) id',
      [a, many.map((row) => row.id)],
    );
    expect(await inTransaction((manager) => blocks.add(a, b, manager))).toBe('limit_exceeded');
    expect(await blocks.list(a)).toHaveLength(MAX_BLOCKS_PER_USER);
  });

  it('calls a chat blocked only while it has exactly two active members who block each other', async () => {
    const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    const pair = await seed.chat(a, [b]);
    const group = await seed.chat(a, [b, c]);
    const alone = await seed.chat(a, []);
    await inTransaction((manager) => blocks.add(b, a, manager));
    expect(await pairChatBlockedSql(pair)).toBe(true);
    expect(await blocks.pairChatBlocked(pair)).toBe(true);
    expect(await pairChatBlockedSql(group)).toBe(false);
    expect(await pairChatBlockedSql(alone)).toBe(false);
    expect(await inTransaction((manager) => blocks.pairChats(b, a, manager))).toEqual([pair]);
    expect(await inTransaction((manager) => blocks.pairOf(pair, manager))).toEqual([
      Math.min(a, b),
      Math.max(a, b),
    ]);
    expect(await inTransaction((manager) => blocks.pairOf(group, manager))).toBeUndefined();

    // The rooms a's sockets join leave the blocked pair out; the group stays.
    expect((await members.roomChatIds(a)).sort()).toEqual([group, alone].sort());
    await members.remove(group, c, false);
    await members.touch(group);
    expect(await pairChatBlockedSql(group)).toBe(true);
    expect(await members.roomChatIds(a)).toEqual([alone]);

    await chats.softDelete(pair);
    expect(await blocks.pairChatBlocked(pair)).toBe(false);
  });

  it('refuses, in the insert itself, a chat whose creator and a member block each other, and adding one by the other', async () => {
    const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    await inTransaction((manager) => blocks.add(a, b, manager));
    const key = (ids: number[]) => [...ids].sort((x, y) => x - y).join(',');
    const newChat = (creator: number, ids: number[]) => ({
      chatType: 'other' as const,
      title: null,
      postId: null,
      createdBy: creator,
      memberKey: key(ids),
      visibility: 'private' as const,
    });
    expect(await chats.create(newChat(b, [a, b, c]), [a, c])).toBeUndefined();
    expect(await chats.create(newChat(c, [a, b, c]), [a, b])).toEqual(expect.any(Number));

    const ofC = await seed.chat(c, [a]);
    expect(await members.addOrRestore(ofC, b, a)).toBe(false);
    expect(await members.addOrRestore(ofC, b, c)).toBe(true);
  });

  it('serializes a block with a racing two-person chat creation through the lock of their pair', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const runner = m.db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      // The block holds the pair's lock and has inserted its row, not committed yet.
      await blocks.lockPairs([[a, b]], runner.manager);
      expect(await blocks.add(a, b, runner.manager)).toBe('added');
      let settled = false;
      const creation = m.db
        .transaction(async (manager) => {
          await blocks.lockPairs([[b, a]], manager);
          return chats.create(
            {
              chatType: 'other',
              title: null,
              postId: null,
              createdBy: b,
              memberKey: [a, b].sort((x, y) => x - y).join(','),
              visibility: 'private',
            },
            [a],
            manager,
          );
        })
        .finally(() => {
          settled = true;
        });
      // The creation waits for the pair's lock (PostgreSQL shows it waiting), not before its insert.
      await waitingForAdvisoryLock();
      expect(settled).toBe(false);
      await runner.commitTransaction();
      // After the block committed, the creation's insert sees it.
      expect(await creation).toBeUndefined();
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
