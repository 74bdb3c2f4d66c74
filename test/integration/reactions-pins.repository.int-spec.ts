import { MessagesRepository } from '../../src/repositories/messages.repository';
import { PinsRepository } from '../../src/repositories/pins.repository';
import { LISTED_REACTORS, ReactionsRepository } from '../../src/repositories/reactions.repository';
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

  const stored = async (messageId: number) =>
    (
      await m.db.query<{ reaction_count: number | null; reactions: unknown }[]>(
        'SELECT reaction_count, reactions FROM messages WHERE id = $1',
        [messageId],
      )
    )[0];
  const reactionCount = async (messageId: number): Promise<number | null> =>
    (await stored(messageId)).reaction_count;

  /** As ReactionsService does it: lock, add, and summarize what changed. */
  const react = (messageId: number, emoji: string, userId: number, max = 20, chat = chatId) =>
    m.db.transaction(async (manager) => {
      expect(await reactions.lockLive(chat, messageId, manager)).toBe(true);
      const outcome = await reactions.add(messageId, emoji, userId, max, manager);
      await reactions.summarize(messageId, userId, outcome === 'added', manager);
      return outcome;
    });
  const unreact = (messageId: number, emoji: string, userId: number) =>
    m.db.transaction(async (manager) => {
      const removed = await reactions.remove(messageId, emoji, userId, manager);
      await reactions.summarize(messageId, userId, removed, manager);
      return removed;
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
    expect(await reactions.summarize(message.id, users[2], false)).toEqual([
      { emoji: '👍', count: 2, me: false },
      { emoji: '🐕', count: 2, me: true },
    ]);

    for (const [emoji, userId] of [
      ['👍', users[0]],
      ['👍', users[1]],
      ['🐕', users[1]],
    ] as const) {
      expect(await unreact(message.id, emoji, userId)).toBe(true);
    }
    expect(await unreact(message.id, '👍', users[0])).toBe(false);
    expect(await stored(message.id)).toEqual({
      reaction_count: 1,
      reactions: [{ emoji: '🐕', count: 1, users: [users[2]] }],
    });
    await unreact(message.id, '🐕', users[2]);
    expect(await stored(message.id)).toEqual({ reaction_count: null, reactions: null });
  });

  it('stores the summary in the order every Message shows, listing the reactors', async () => {
    const message = (await seed.send(chatId, users[0]))!;
    await react(message.id, '🐕', users[0]);
    await react(message.id, '👍', users[1]);
    await react(message.id, '👍', users[2]);
    await react(message.id, '🐈', users[2]);
    expect((await stored(message.id)).reactions).toEqual([
      { emoji: '👍', count: 2, users: [users[1], users[2]].sort((x, y) => x - y) },
      { emoji: '🐕', count: 1, users: [users[0]] },
      { emoji: '🐈', count: 1, users: [users[2]] },
    ]);
    // An unchanged call (an idempotent repeat) leaves the row as it is.
    await m.db.query(`UPDATE messages SET reactions = '[]' WHERE id = $1`, [message.id]);
    expect(await react(message.id, '🐕', users[0])).toBe('present');
    expect((await stored(message.id)).reactions).toEqual([]);
  });

  it('reads history from the stored summary, `me` per reader', async () => {
    const message = (await seed.send(chatId, users[0]))!;
    await react(message.id, '🎉', users[1]);
    const page = async (viewer: number) =>
      (await messages.history(chatId, viewer, { limit: 50 })).find((row) => row.id === message.id)!;
    expect((await page(users[1])).reactions).toEqual([{ emoji: '🎉', count: 1, me: true }]);
    expect((await page(users[0])).reactions).toEqual([{ emoji: '🎉', count: 1, me: false }]);
    // The page shows the row's summary: message_reactions is not read for it.
    await m.db.query(
      `UPDATE messages SET reactions = '[{"emoji":"🐾","count":7,"users":[]}]' WHERE id = $1`,
      [message.id],
    );
    expect((await page(users[1])).reactions).toEqual([{ emoji: '🐾', count: 7, me: false }]);
  });

  it(`past ${LISTED_REACTORS} reactions lists no reactors and reads each reader's own emoji`, async () => {
    const crowd = [...users];
    while (crowd.length < LISTED_REACTORS + 1) crowd.push(await seed.user());
    const group = await seed.chat(crowd[0], crowd.slice(1));
    const message = (await seed.send(group, crowd[0]))!;
    for (const userId of crowd.slice(0, LISTED_REACTORS)) await react(message.id, '👍', userId, 20, group);
    expect((await stored(message.id)).reactions).toEqual([
      { emoji: '👍', count: LISTED_REACTORS, users: crowd.slice(0, LISTED_REACTORS).sort((x, y) => x - y) },
    ]);
    const last = crowd[LISTED_REACTORS];
    await react(message.id, '🐈', last, 20, group);
    expect((await stored(message.id)).reactions).toEqual([
      { emoji: '👍', count: LISTED_REACTORS },
      { emoji: '🐈', count: 1 },
    ]);
    const page = async (viewer: number) =>
      (await messages.history(group, viewer, { limit: 50 })).find((row) => row.id === message.id)!;
    expect((await page(last)).reactions).toEqual([
      { emoji: '👍', count: LISTED_REACTORS, me: false },
      { emoji: '🐈', count: 1, me: true },
    ]);
    expect((await page(crowd[0])).reactions).toEqual([
      { emoji: '👍', count: LISTED_REACTORS, me: true },
      { emoji: '🐈', count: 1, me: false },
    ]);
    // Back to 32: the reactors are listed again.
    await unreact(message.id, '🐈', last);
    expect((await stored(message.id)).reactions).toEqual([
      expect.objectContaining({ emoji: '👍', users: expect.any(Array) }),
    ]);
  });

  it('summarizes the reactions a database already has when it migrates', async () => {
    const crowd = [...users];
    while (crowd.length < LISTED_REACTORS + 1) crowd.push(await seed.user());
    const group = await seed.chat(crowd[0], crowd.slice(1));
    const [few, many, none] = [
      (await seed.send(group, crowd[0]))!,
      (await seed.send(group, crowd[0]))!,
      (await seed.send(group, crowd[0]))!,
    ];
    for (const userId of crowd.slice(0, 3)) await react(few.id, '🐕', userId, 20, group);
    await react(few.id, '❤️', crowd[3], 20, group);
    for (const userId of crowd) await react(many.id, userId % 2 ? '👍' : '🐈', userId, 20, group);
    const written = await Promise.all([few, many, none].map((message) => stored(message.id)));

    const applied = async (): Promise<string[]> =>
      (await m.db.query<{ name: string }[]>('SELECT name FROM migrations')).map((row) => row.name);
    while ((await applied()).includes('StoredReactions1766300000000')) await m.db.undoLastMigration();
    await m.db.runMigrations();
    expect(await Promise.all([few, many, none].map((message) => stored(message.id)))).toEqual(written);
    expect(written[2]).toEqual({ reaction_count: null, reactions: null });
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
