import { ChatsRepository } from '../../src/repositories/chats.repository';
import { MembersRepository } from '../../src/repositories/members.repository';
import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';

describe('MembersRepository (integration)', () => {
  let m: MigratedDatabase;
  let seed: Seed;
  let members: MembersRepository;
  let chats: ChatsRepository;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_members');
    seed = new Seed(m.db);
    members = new MembersRepository(m.db);
    chats = new ChatsRepository(m.db);
  });
  afterAll(() => m.drop());

  async function memberKey(chatId: number): Promise<string> {
    const [row]: { member_key: string }[] = await m.db.query('SELECT member_key FROM chats WHERE id = $1', [
      chatId,
    ]);
    return row.member_key;
  }

  it('answers access for a live chat only, with the membership row as it is', async () => {
    const [a, b, stranger] = [await seed.user(), await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    expect(await members.access(chatId, a)).toMatchObject({ user_id: a, role: 'owner', removed_at: null });
    expect(await members.access(chatId, stranger)).toEqual({
      user_id: null,
      role: null,
      last_read_seq: null,
      removed_at: null,
    });

    await members.remove(chatId, b, false);
    expect((await members.access(chatId, b))!.removed_at).toBeInstanceOf(Date);

    await chats.softDelete(chatId);
    expect(await members.access(chatId, a)).toBeUndefined();
  });

  it('removes softly, as a plain member, and lists, counts and keys only active members', async () => {
    const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b, c]);
    await members.setRole(chatId, c, 'admin');
    await members.remove(chatId, c, false);

    expect(await members.state(chatId, c)).toMatchObject({
      role: 'member',
      removed_at: expect.any(Date),
      removed_by_manager: false,
    });
    expect((await members.list(chatId)).map((row) => row.user_id)).toEqual([a, b]);
    expect((await members.standings(chatId)).map((row) => row.user_id).sort()).toEqual([a, b].sort());
    expect(await members.touch(chatId)).toBe(2);
    expect(await memberKey(chatId)).toBe([a, b].sort((x, y) => x - y).join(','));
    expect(await members.one(chatId, c)).toMatchObject({ user_id: c, role: 'member' });
  });

  it('restores a removed member as a plain member with their read cursor', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    await seed.send(chatId, a);
    await seed.send(chatId, b);
    await members.remove(chatId, b, true);
    expect(await members.state(chatId, b)).toMatchObject({ removed_by_manager: true });

    expect(await members.addOrRestore(chatId, b, a)).toBe(true);
    expect(await members.state(chatId, b)).toMatchObject({
      role: 'member',
      removed_at: null,
      removed_by_manager: false,
    });
    expect((await members.one(chatId, b))!.last_read_seq).toBe(2);

    const newcomer = await seed.user();
    expect(await members.addOrRestore(chatId, newcomer, a)).toBe(true);
    expect(await members.one(chatId, newcomer)).toMatchObject({ role: 'member', last_read_seq: 0 });
    expect(await members.touch(chatId)).toBe(3);
  });

  it('lists members longest-standing first, owner before admin before member among equals', async () => {
    const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    const chatId = await seed.chat(c, [b, a]);
    await members.setRole(chatId, b, 'admin');
    expect((await members.list(chatId)).map((row) => [row.user_id, row.role])).toEqual([
      [c, 'owner'],
      [b, 'admin'],
      [a, 'member'],
    ]);
  });

  it('keeps one active owner per chat (a schema invariant)', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    await expect(members.setRole(chatId, b, 'owner')).rejects.toThrow(/chat_members_one_owner_idx/);
  });

  it('counts, for the limit, only the live chats users created and are still active members of', async () => {
    const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    const one = await seed.chat(a, [b]);
    const two = await seed.chat(a, [c]);
    const three = await seed.chat(b, [c]);
    // c belongs to two chats but created none; b belongs to two and created one.
    expect(await members.usersAtChatLimit([a, b, c], 2)).toEqual([a]);
    expect((await members.usersAtChatLimit([a, b, c], 1)).sort()).toEqual([a, b].sort());

    await chats.softDelete(one);
    await members.remove(three, b, false);
    expect(await members.usersAtChatLimit([a, b, c], 2)).toEqual([]);
    expect(await members.usersAtChatLimit([a, b, c], 1)).toEqual([a]);
    // Adding someone to a chat counts against them only when they created it (a creator re-added).
    expect(await members.usersAtChatLimit([a, b], 1, undefined, two)).toEqual([a]);
    expect(await members.usersAtChatLimit([a, b], 1, undefined, three)).toEqual([]);
  });

  it("lists each user's live chats with active membership; every user asked has an entry", async () => {
    const [a, b, c, nobody] = [await seed.user(), await seed.user(), await seed.user(), await seed.user()];
    const live = await seed.chat(a, [b]);
    const deleted = await seed.chat(a, [c]);
    const left = await seed.chat(b, [c]);
    await chats.softDelete(deleted);
    await members.remove(left, c, false);

    const byUser = await members.roomChatIdsOf([a, b, c, nobody]);
    expect(byUser.get(a)).toEqual([live]);
    expect(byUser.get(b)!.sort()).toEqual([live, left].sort());
    expect(byUser.get(c)).toEqual([]);
    expect(byUser.get(nobody)).toEqual([]);
    expect(await members.roomChatIds(b)).toEqual(expect.arrayContaining([live, left]));
  });

  it('moves a read cursor forward only, clamped to the last seq, with the unread count then', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    for (let i = 0; i < 4; i++) await seed.send(chatId, a);
    await m.db.query('UPDATE messages SET deleted_at = now() WHERE chat_id = $1 AND seq = 4', [chatId]);

    expect(await members.moveReadCursor(chatId, b, 2)).toMatchObject({ last_read_seq: 2, unread_count: 1 });
    expect(await members.moveReadCursor(chatId, b, 1)).toBeUndefined();
    expect(await members.moveReadCursor(chatId, b, 2)).toBeUndefined();
    expect(await members.moveReadCursor(chatId, b, 99)).toMatchObject({ last_read_seq: 4, unread_count: 0 });
  });

  it('moves no cursor of a removed member or in a deleted chat', async () => {
    const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b, c]);
    await seed.send(chatId, a);
    await members.remove(chatId, c, false);
    expect(await members.moveReadCursor(chatId, c, null)).toBeUndefined();
    await members.advanceReadCursor(chatId, c, 1);
    expect((await members.one(chatId, c))!.last_read_seq).toBe(0);

    await chats.softDelete(chatId);
    expect(await members.moveReadCursor(chatId, b, null)).toBeUndefined();
  });

  it('advances an active cursor forward only', async () => {
    const [a, b] = [await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    await members.advanceReadCursor(chatId, b, 3);
    await members.advanceReadCursor(chatId, b, 2);
    expect((await members.one(chatId, b))!.last_read_seq).toBe(3);
  });
});
