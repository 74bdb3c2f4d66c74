import { migratedDatabase, MigratedDatabase } from '../support/integration-database.fixture';

/** The SQL TypeORM would run to turn the migrated schema into the one the entities describe. */
async function drift(m: MigratedDatabase): Promise<string[]> {
  const log = await m.db.driver.createSchemaBuilder().log();
  return log.upQueries.map((query) => query.query);
}

describe('entities and the migrated schema (integration)', () => {
  let m: MigratedDatabase;

  beforeAll(async () => {
    m = await migratedDatabase('chat_int_entities');
  });
  afterAll(() => m.drop());

  it('agree: the schema builder has nothing to change after the migrations', async () => {
    expect(await drift(m)).toEqual([]);
  });

  it('disagree as soon as the schema moves away from the entities', async () => {
    await m.db.query('DROP INDEX messages_chat_deleted_seq_idx');
    await m.db.query('ALTER TABLE chats ALTER COLUMN title TYPE varchar(100)');
    const queries = await drift(m);
    expect(queries).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"messages_chat_deleted_seq_idx"'),
        expect.stringMatching(/"chats".*"title"/),
      ]),
    );
  });
});
