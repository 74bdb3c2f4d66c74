import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source.options';
import {
  createDatabase,
  dropDatabase,
  serverOf,
  TestServer,
  uniqueDatabaseName,
} from './support/test-database.fixture';

const TABLES = [
  'attachments',
  'chat_invites',
  'chat_members',
  'chat_push_cursors',
  'chats',
  'email_digests',
  'message_mentions',
  'message_pins',
  'message_reactions',
  'message_read_ranges',
  'message_search_segments',
  'messages',
  'moderation_audit',
  'push_subscriptions',
  'refresh_tokens',
  'reports',
  'user_bans',
  'user_blocks',
  'user_identities',
  'users',
];

async function tables(db: DataSource): Promise<string[]> {
  const rows: { table_name: string }[] = await db.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`,
  );
  return rows.map((row) => row.table_name);
}

describe('migrations (e2e)', () => {
  let server: TestServer;
  let name: string;
  let db: DataSource;

  beforeAll(async () => {
    server = serverOf(process.env.TEST_DATABASE_URL!);
    name = uniqueDatabaseName('chat_migrations');
    db = new DataSource(dataSourceOptions(await createDatabase(server, name), 2));
    await db.initialize();
  });

  afterAll(async () => {
    await db.destroy();
    await dropDatabase(server, name);
  });

  it('runs up on an empty database, down to nothing, and up again', async () => {
    expect(await tables(db)).toEqual([]);

    const applied = await db.runMigrations();
    expect(applied.map((m) => m.name)).toEqual([
      'InitialSchema1763700000000',
      'ChatIndexesWithoutStatistics1764700000000',
      'ReceiptRanges1764800000000',
      'MessagesWriteCost1764900000000',
      'SendBatchFunction1764950000000',
      'MessageSearchSegments1765000000000',
      'Attachments1765100000000',
      'MessageAttachments1765200000000',
      'SearchBlockLines1765250000000',
      'AvatarIndexes1765260000000',
      'SendBatchAttachments1765300000000',
      'ConversationLinks1765400000000',
      'ReactionsAndPins1765500000000',
      'UserBlocks1765600000000',
      'Moderation1765620000000',
      'InvitesAndPublicChats1765640000000',
      'SendTextBatch1765700000000',
      'UserSettings1765800000000',
      'PushNotifications1765810000000',
      'EmailDigests1765820000000',
      'PlatformIdentities1765900000000',
      'SendProbes1766000000000',
      'SearchRowTops1766100000000',
      'SendPathDomains1766200000000',
      'StoredReactions1766300000000',
      'StoredAttachments1766400000000',
      'LoneTextSend1766500000000',
      'ReceiptsPastOthers1766600000000',
      'SearchCoveredSeq1766700000000',
    ]);
    expect(await tables(db)).toEqual(TABLES);

    for (let i = 0; i < applied.length; i++) await db.undoLastMigration();
    expect(await tables(db)).toEqual([]);

    await db.runMigrations();
    expect(await tables(db)).toEqual(TABLES);
  });

  it('enforces the invariants in the schema itself', async () => {
    await db.query(
      `INSERT INTO users (username, display_name, password_hash) VALUES ('owner', 'Owner', 'x')`,
    );
    await expect(
      db.query(`INSERT INTO users (username, display_name, password_hash) VALUES ('Bad Name', 'B', 'x')`),
    ).rejects.toThrow(/users_username_check/);
    await expect(
      db.query(`INSERT INTO chats (chat_type, created_by, member_key) VALUES ('response', 1, '1')`),
    ).rejects.toThrow(/chats_post_id_check/);
    await expect(
      db.query(`INSERT INTO chats (chat_type, created_by, member_key) VALUES ('party', 1, '1')`),
    ).rejects.toThrow(/chats_chat_type_check/);
  });
});
