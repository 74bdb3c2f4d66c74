import { randomUUID } from 'node:crypto';
import { RefreshTokensRepository } from '../../src/repositories/refresh-tokens.repository';
import { UsersRepository } from '../../src/repositories/users.repository';
import { migratedDatabase, MigratedDatabase } from '../support/integration-database.fixture';

describe('UsersRepository and RefreshTokensRepository (integration)', () => {
  let m: MigratedDatabase;
  let users: UsersRepository;
  let tokens: RefreshTokensRepository;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_users');
    users = new UsersRepository(m.db);
    tokens = new RefreshTokensRepository(m.db);
  });
  afterAll(() => m.drop());

  const create = (username: string, displayName = username) =>
    users.create({ username, displayName, passwordHash: `hash-of-${username}` });

  it('creates a user once per username, and reads the password hash only for a login', async () => {
    const anna = (await create('anna.k', 'Anna K.'))!;
    expect(await create('anna.k')).toBeUndefined();
    expect(await users.findById(anna.id)).toEqual(
      expect.not.objectContaining({ passwordHash: expect.anything() }),
    );
    expect(await users.findById(anna.id)).toMatchObject({
      id: anna.id,
      username: 'anna.k',
      displayName: 'Anna K.',
    });
    expect(await users.findWithPassword('anna.k')).toMatchObject({
      id: anna.id,
      passwordHash: 'hash-of-anna.k',
    });
    expect(await users.findWithPassword('nobody')).toBeUndefined();
    expect(await users.findById(999_999)).toBeUndefined();
    expect(await users.existing([anna.id, 999_999])).toEqual([anna.id]);
  });

  it('searches others by username or display name, wildcards taken literally', async () => {
    const me = (await create('search.me', 'Кот'))!;
    await create('cat_lover', 'Мария');
    await create('catalina', 'Кот Учёный');
    await create('dog100', '100% собака');
    const names = async (search: string | undefined, limit = 10) =>
      (await users.search(me.id, search, limit)).map((user) => user.username);
    expect(await names('КОТ')).toEqual(['catalina']);
    expect(await names('cat_')).toEqual(['cat_lover']);
    expect(await names('0%')).toEqual(['dog100']);
    expect(await names(undefined, 2)).toEqual(['anna.k', 'cat_lover']);
  });

  it('rotates and revokes refresh tokens by family', async () => {
    const user = (await create('token.owner'))!;
    const family = randomUUID();
    const expiresAt = new Date(Date.now() + 60_000);
    await tokens.insert({ userId: user.id, familyId: family, tokenHash: 'a'.repeat(64), expiresAt });
    await tokens.insert({ userId: user.id, familyId: family, tokenHash: 'b'.repeat(64), expiresAt });
    await tokens.insert({ userId: user.id, familyId: randomUUID(), tokenHash: 'c'.repeat(64), expiresAt });

    const first = (await tokens.findByHash('a'.repeat(64)))!;
    await tokens.markRotated(first.id);
    expect((await tokens.findByHash('a'.repeat(64)))!.rotatedAt).toBeInstanceOf(Date);

    await tokens.revokeFamily(family);
    expect((await tokens.findByHash('a'.repeat(64)))!.revokedAt).toBeInstanceOf(Date);
    expect((await tokens.findByHash('b'.repeat(64)))!.revokedAt).toBeInstanceOf(Date);
    expect((await tokens.findByHash('c'.repeat(64)))!.revokedAt).toBeNull();
    expect(await tokens.findByHash('d'.repeat(64))).toBeUndefined();
  });

  it('locks a token row for its rotation', async () => {
    const user = (await create('token.locker'))!;
    const hash = 'e'.repeat(64);
    await tokens.insert({ userId: user.id, familyId: randomUUID(), tokenHash: hash, expiresAt: new Date() });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = m.db.transaction(async (manager) => {
      expect(await tokens.findByHashForUpdate(hash, manager)).toMatchObject({ tokenHash: hash });
      locked();
      await released;
    });
    await isLocked;
    try {
      await expect(
        m.db.transaction(async (manager) => {
          await manager.query(`SET LOCAL lock_timeout = '100ms'`);
          await tokens.findByHashForUpdate(hash, manager);
        }),
      ).rejects.toThrow(/lock timeout/);
    } finally {
      release();
      await holder;
    }
  });
});
