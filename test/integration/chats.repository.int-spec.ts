import { DataSource, EntityManager } from 'typeorm';
import { ChatsRepository } from '../../src/repositories/chats.repository';
import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';

/** Runs `work` in a transaction that gives up on any lock after 100 ms. */
function impatient(db: DataSource, work: (manager: EntityManager) => Promise<void>): Promise<void> {
  return db.transaction(async (manager) => {
    await manager.query(`SET LOCAL lock_timeout = '100ms'`);
    await work(manager);
  });
}

/** Holds a transaction open with `work` done in it until `release` is called. */
async function holding(
  db: DataSource,
  work: (manager: EntityManager) => Promise<void>,
): Promise<{ release: () => Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const done = db.transaction(async (manager) => {
    await work(manager);
    ready();
    await released;
  });
  await started;
  return {
    release: async () => {
      release();
      await done;
    },
  };
}

describe('ChatsRepository (integration)', () => {
  let m: MigratedDatabase;
  let seed: Seed;
  let chats: ChatsRepository;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_chats');
    seed = new Seed(m.db);
    chats = new ChatsRepository(m.db);
  });
  afterAll(() => m.drop());

  it('finds a live chat by its type, post and exact members, and no deleted one', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    const key = [a, b].sort((x, y) => x - y).join(',');
    expect(await chats.findLiveByMembers(key, 'other', null)).toBe(chatId);
    expect(await chats.findLiveByMembers(key, 'vet', null)).toBeUndefined();
    expect(await chats.findLiveByMembers(key, 'other', 5)).toBeUndefined();

    await chats.softDelete(chatId);
    expect(await chats.findLiveByMembers(key, 'other', null)).toBeUndefined();
  });

  it('soft-deletes: the row stays with deleted_at set and no member key; no view shows it', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    expect(await chats.view(chatId, a)).toBeDefined();

    await chats.softDelete(chatId);
    const [row]: { deleted_at: Date | null; member_key: string }[] = await m.db.query(
      'SELECT deleted_at, member_key FROM chats WHERE id = $1',
      [chatId],
    );
    expect(row.deleted_at).toBeInstanceOf(Date);
    expect(row.member_key).toBe('');
    expect(await chats.view(chatId, a)).toBeUndefined();
    expect(await chats.viewsOfAllMembers(chatId)).toEqual([]);
    expect((await chats.page(a, { limit: 10 })).map((chat) => chat.id)).not.toContain(chatId);
  });

  it('shows a chat to its active members only, with only the active members in it', async () => {
    const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b, c]);
    await seed.members.remove(chatId, c, false);

    expect(await chats.view(chatId, c)).toBeUndefined();
    expect((await chats.page(c, { limit: 10 })).map((chat) => chat.id)).not.toContain(chatId);
    const views = await chats.viewsOfAllMembers(chatId);
    expect(views.map((view) => view.viewer_id).sort()).toEqual([a, b].sort());
    const view = (await chats.view(chatId, b))!;
    expect(view.my_role).toBe('member');
    expect(view.members!.map((member) => member.user_id)).toEqual([a, b].sort((x, y) => x - y));
    expect(view.members!.find((member) => member.user_id === a)!.role).toBe('owner');
  });

  it('carries the last live message and the unread count of each viewer', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    const first = (await seed.send(chatId, a, 'первое'))!;
    const second = (await seed.send(chatId, a, 'второе'))!;
    await m.db.query('UPDATE messages SET deleted_at = now() WHERE id = $1', [second.id]);

    const forB = (await chats.view(chatId, b))!;
    expect(forB.last_message).toMatchObject({ id: first.id, content: 'первое' });
    expect(forB.unread_count).toBe(1);
    expect((await chats.view(chatId, a))!.unread_count).toBe(0);
  });

  it('pages the chat list newest activity first, after a position, by type', async () => {
    const owner = await seed.user();
    const partners = [await seed.user(), await seed.user(), await seed.user()];
    const ids: number[] = [];
    for (const partner of partners) ids.push(await seed.chat(owner, [partner], 'vet'));
    const other = await seed.chat(owner, [partners[0], partners[1]]);
    await m.db.query(
      `UPDATE chats SET updated_at = now() - (id || ' seconds')::interval WHERE created_by = $1`,
      [owner],
    );

    const all = await chats.page(owner, { limit: 10 });
    expect(all.map((chat) => chat.id)).toEqual([ids[0], ids[1], ids[2], other].sort((x, y) => x - y));
    const vets = await chats.page(owner, { limit: 2, chatType: 'vet' });
    expect(vets.map((chat) => chat.id)).toEqual([ids[0], ids[1]]);
    const rest = await chats.page(owner, {
      limit: 2,
      chatType: 'vet',
      after: { updatedUs: vets[1].updated_us, id: vets[1].id },
    });
    expect(rest.map((chat) => chat.id)).toEqual([ids[2]]);
  });

  it('locks the chat row until the transaction ends', async () => {
    const chatId = await seed.chat(await seed.user(), [await seed.user()]);
    const held = await holding(m.db, (manager) => chats.lock(chatId, manager));
    try {
      await expect(impatient(m.db, (manager) => chats.lock(chatId, manager))).rejects.toThrow(/lock timeout/);
    } finally {
      await held.release();
    }
    await expect(impatient(m.db, (manager) => chats.lock(chatId, manager))).resolves.toBeUndefined();
  });

  it('serializes creations under one key only', async () => {
    const held = await holding(m.db, (manager) => chats.lockCreation('other:null:1,2', manager));
    try {
      await expect(
        impatient(m.db, (manager) => chats.lockCreation('other:null:1,2', manager)),
      ).rejects.toThrow(/lock timeout/);
      await expect(
        impatient(m.db, (manager) => chats.lockCreation('other:null:1,3', manager)),
      ).resolves.toBeUndefined();
    } finally {
      await held.release();
    }
  });

  it('renames and moves the last activity', async () => {
    const chatId = await seed.chat(await seed.user(), [await seed.user()]);
    const [before]: { updated_at: Date }[] = await m.db.query('SELECT updated_at FROM chats WHERE id = $1', [
      chatId,
    ]);
    await chats.rename(chatId, 'Переноска');
    const [after]: { title: string; updated_at: Date }[] = await m.db.query(
      'SELECT title, updated_at FROM chats WHERE id = $1',
      [chatId],
    );
    expect(after.title).toBe('Переноска');
    expect(after.updated_at.getTime()).toBeGreaterThan(before.updated_at.getTime());
  });
});
