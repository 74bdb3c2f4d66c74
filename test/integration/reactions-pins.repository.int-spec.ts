import { MessagesRepository } from '../../src/repositories/messages.repository';
import { PinsRepository } from '../../src/repositories/pins.repository';
import { ReactionsRepository } from '../../src/repositories/reactions.repository';
import { migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';

describe('ReactionsRepository and PinsRepository (integration)', () => {
  let m: MigratedDatabase;
  let seed: Seed;
  let reactions: ReactionsRepository;
  let pins: PinsRepository;
  let messages: MessagesRepository;
  let users: number[];
  let chatId: number;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_reactions');
    seed = new Seed(m.db);
    reactions = new ReactionsRepository(m.db);
    pins = new PinsRepository(m.db);
    messages = new MessagesRepository(m.db);
    users = [await seed.user(), await seed.user(), await seed.user()];
    chatId = await seed.chat(users[0], users.slice(1));
  });
  afterAll(() => m.drop());

  const reactionCount = async (messageId: number): Promise<number | null> => {
    const rows = await m.db.query<{ reaction_count: number | null }[]>(
      'SELECT reaction_count FROM messages WHERE id = $1',
      [messageId],
    );
    return rows[0].reaction_count;
  };

  const react = (messageId: number, emoji: string, userId: number, max = 20) =>
    m.db.transaction(async (manager) => {
      expect(await reactions.lockLive(chatId, messageId, manager)).toBe(true);
      return reactions.add(messageId, emoji, userId, max, manager);
    });

  it('keeps reaction_count equal to the rows, NULL at none; add is idempotent and refuses a new emoji past the limit', async () => {
    const message = (await seed.send(chatId, users[0]))!;
    expect(await reactionCount(message.id)).toBeNull();
    expect(await react(message.id, '👍', users[0], 2)).toBe('added');
    expect(await react(message.id, '👍', users[0], 2)).toBe('present');
    expect(await react(message.id, '👍', users[1], 2)).toBe('added');
    expect(await react(message.id, '🐕', users[1], 2)).toBe('added');
    expect(await react(message.id, '🐈', users[2], 2)).toBe('full');
    expect(await react(message.id, '🐕', users[2], 2)).toBe('added');
    expect(await reactionCount(message.id)).toBe(4);
    expect(await reactions.list(message.id, users[2])).toEqual([
      { emoji: '👍', count: 2, me: false },
      { emoji: '🐕', count: 2, me: true },
    ]);

    for (const [emoji, userId] of [
      ['👍', users[0]],
      ['👍', users[1]],
      ['🐕', users[1]],
    ] as const) {
      expect(await m.db.transaction((manager) => reactions.remove(message.id, emoji, userId, manager))).toBe(
        true,
      );
    }
    expect(await m.db.transaction((manager) => reactions.remove(message.id, '👍', users[0], manager))).toBe(
      false,
    );
    expect(await reactionCount(message.id)).toBe(1);
    await m.db.transaction((manager) => reactions.remove(message.id, '🐕', users[2], manager));
    expect(await reactionCount(message.id)).toBeNull();
  });

  it('folds reactions into history only for rows whose reaction_count is set (the gate)', async () => {
    const message = (await seed.send(chatId, users[0]))!;
    await react(message.id, '🎉', users[1]);
    const page = async (viewer: number) =>
      (await messages.history(chatId, viewer, { limit: 50 })).find((row) => row.id === message.id)!;
    expect((await page(users[1])).reactions).toEqual([
      expect.objectContaining({ emoji: '🎉', count: 1, me: true }),
    ]);
    expect((await page(users[0])).reactions).toEqual([expect.objectContaining({ me: false })]);
    // With the flag cleared, the rows are not read at all.
    await m.db.query('UPDATE messages SET reaction_count = NULL WHERE id = $1', [message.id]);
    expect((await page(users[1])).reactions).toBeNull();
  });

  it('does not find a deleted message or one of another chat', async () => {
    const message = (await seed.send(chatId, users[0]))!;
    const otherChat = await seed.chat(users[1], [users[2]]);
    const other = (await seed.send(otherChat, users[1]))!;
    await m.db.transaction(async (manager) => {
      expect(await reactions.lockLive(chatId, other.id, manager)).toBe(false);
    });
    await messages.softDelete(chatId, message.id);
    await m.db.transaction(async (manager) => {
      expect(await reactions.lockLive(chatId, message.id, manager)).toBe(false);
    });
  });

  it('pins once, up to the limit of live pins, lists newest first and forgets deleted messages', async () => {
    const chat = await seed.chat(users[0], [users[1]]);
    const [a, b, c] = [
      (await seed.send(chat, users[0]))!,
      (await seed.send(chat, users[0]))!,
      (await seed.send(chat, users[0]))!,
    ];
    const pin = (messageId: number, max = 2) =>
      m.db.transaction((manager) => pins.pin(chat, messageId, users[0], max, manager));
    expect(await pin(a.id)).toBe('pinned');
    expect(await pin(a.id)).toBe('present');
    expect(await pin(b.id)).toBe('pinned');
    expect(await pin(c.id)).toBe('full');
    expect(await pin(2_147_483_647)).toBe('no_message');
    expect((await pins.list(chat, users[1])).map((row) => row.id)).toEqual([b.id, a.id]);
    await messages.softDelete(chat, a.id);
    expect((await pins.list(chat, users[1])).map((row) => row.id)).toEqual([b.id]);
    expect(await pins.unpin(chat, a.id)).toBe(false);
    expect(await pin(c.id)).toBe('pinned');
    expect(await pins.unpin(chat, c.id)).toBe(true);
    expect(await pins.unpin(chat, c.id)).toBe(false);
  });
});
