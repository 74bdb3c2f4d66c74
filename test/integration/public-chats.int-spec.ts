import { ChatsRepository, publicChatsQuery } from '../../src/repositories/chats.repository';
import { InvitesRepository } from '../../src/repositories/invites.repository';
import { MembersRepository } from '../../src/repositories/members.repository';
import { lockWatch, migratedDatabase, MigratedDatabase, Seed } from '../support/integration-database.fixture';

/**
 * The public chats list and its search on 30,000 chats, 24,000 of them public, analyzed (ANALYZE
 * reads every row of a table this size, so the statistics, and the plans, are the same in every
 * run): a rare title word is searched through the partial trigram index, the plain list walks the
 * partial index of public chats newest first; neither reads the private chats. And the member
 * count, read from the member key, and the race for an invite's last use.
 */
describe('public chats: plans and member counts (integration)', () => {
  let m: MigratedDatabase;
  let chats: ChatsRepository;
  let seed: Seed;
  const locks = lockWatch(() => m);

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_public');
    chats = new ChatsRepository(m.db);
    seed = new Seed(m.db);
    const owner = await seed.user();
    await m.db.query(
      `INSERT INTO chats (chat_type, title, created_by, member_key, visibility)
       SELECT (ARRAY['keeper', 'seeker', 'vet', 'other'])[1 + g % 4],
              (ARRAY['Волонтёры', 'Кошки', 'Передержка', 'Vets of', 'Ловцы'])[1 + g % 5] || ' ' ||
              (ARRAY['Северного', 'района', 'Москвы', 'Казани'])[1 + g % 4] || ' #' || g ||
              CASE WHEN g % 997 = 0 THEN ' 100% редкий_чат' ELSE '' END,
              $1::int, $1::int || ',' || (g + 1000000), CASE WHEN g % 5 = 0 THEN 'private' ELSE 'public' END
         FROM generate_series(1, 30000) g`,
      [owner],
    );
    await m.db.query('VACUUM ANALYZE chats');
  }, 120_000);
  afterAll(() => m.drop());

  async function plan(filter: Parameters<typeof publicChatsQuery>[0]): Promise<string> {
    const { sql, params } = publicChatsQuery(filter);
    const rows: { 'QUERY PLAN': string }[] = await m.db.query(`EXPLAIN (COSTS OFF) ${sql}`, params);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  }

  it('searches titles through the partial trigram index', async () => {
    expect(await plan({ query: 'редкий_чат', limit: 21 })).toMatch(
      /Bitmap Index Scan on chats_public_title_trgm_idx/,
    );
    expect(await plan({ query: 'ВОЛОНТЁРЫ москвы', chatType: 'vet', limit: 21, beforeId: 40000 })).toMatch(
      /chats_public_title_trgm_idx|chats_public_idx/,
    );
  });

  it('lists without a query by walking the partial index of public chats backwards', async () => {
    expect(await plan({ limit: 21 })).toMatch(/Index Scan Backward using chats_public_idx/);
    expect(await plan({ limit: 21, beforeId: 30000, chatType: 'keeper' })).toMatch(
      /Index Scan Backward using chats_public_idx/,
    );
  });

  it('finds what the search means: every word, case-insensitive, % and _ literal, public and live only', async () => {
    const found = await chats.publicPage({ query: '100% РЕДКИЙ_ЧАТ', limit: 100 });
    const expected = [];
    for (let g = 30000; g >= 1; g--) if (g % 997 === 0 && g % 5 !== 0) expected.push(g);
    expect(found.map((row) => row.title!.split('#')[1].split(' ')[0]).map(Number)).toEqual(expected);
    expect(await chats.publicPage({ query: 'редкий%чат', limit: 100 })).toEqual([]);
    expect(found.every((row) => row.member_count === 2)).toBe(true);
  });

  it('counts active members from the member key, kept by every membership change', async () => {
    const members = new MembersRepository(m.db);
    const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b, c]);
    await m.db.query(`UPDATE chats SET visibility = 'public', title = 'счётчик' WHERE id = $1`, [chatId]);
    const count = async () => (await chats.publicPage({ query: 'счётчик', limit: 5 }))[0].member_count;
    expect(await count()).toBe(3);
    await members.remove(chatId, c, true);
    await members.touch(chatId);
    expect(await count()).toBe(2);
    await members.addOrRestore(chatId, c, null);
    await members.touch(chatId);
    expect(await count()).toBe(3);
  });

  it('takes an invite use with one conditional UPDATE: the second of two transactions racing for the last one gets none', async () => {
    const invites = new InvitesRepository(m.db);
    const [a, b, c] = [await seed.user(), await seed.user(), await seed.user()];
    const chatId = await seed.chat(a, [b]);
    const code = 'abcdefghijklmnopqrstuvwx';
    await m.db.transaction((manager) =>
      invites.create({ code, chatId, createdBy: a, expiresInSeconds: null, maxUses: 1 }, manager),
    );
    const [first, second] = [m.db.createQueryRunner(), m.db.createQueryRunner()];
    for (const runner of [first, second]) {
      await runner.connect();
      await runner.startTransaction();
    }
    const [{ pid }]: { pid: number }[] = await second.query('SELECT pg_backend_pid() AS pid');
    expect(await invites.takeUse(code, b, first.manager)).toBeUndefined();
    // The second waits on the first's row lock, then re-reads the row it committed: no use left.
    const secondUse = invites.takeUse(code, c, second.manager);
    await locks.waitingForLock(pid);
    await first.commitTransaction();
    expect(await secondUse).toBe('expired');
    await second.rollbackTransaction();
    await Promise.all([first.release(), second.release()]);
    const [row]: { uses: number }[] = await m.db.query('SELECT uses FROM chat_invites WHERE code = $1', [
      code,
    ]);
    expect(row.uses).toBe(1);
  });
});
