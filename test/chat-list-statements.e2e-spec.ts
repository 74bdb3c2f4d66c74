import type { QueryRunner } from 'typeorm';
import { attachmentColumnsSql } from '../src/repositories/attachments.repository';
import { startApp, TestApp } from './support/app.fixture';
import { registerUser, TestUser } from './support/users.helpers';

/**
 * The chat list must cost a constant number of SQL statements per page, whatever the number of
 * chats (seed-system defect 11: 3 queries plus 2 per chat), and so must a page of history: one
 * each, attachments, reply previews, forward origins, locations, mentions and reactions of the messages folded in.
 */
describe('chat list and history statement count (e2e)', () => {
  let t: TestApp;
  let statements: string[] = [];
  let restore: () => void;

  beforeAll(async () => {
    t = await startApp();
    const logger = t.db.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (query: string, parameters?: unknown[], runner?: QueryRunner): void => {
      statements.push(query);
      original(query, parameters, runner);
    };
    restore = () => {
      logger.logQuery = original;
    };
  });
  afterAll(async () => {
    restore();
    await t.close();
  });

  /** `count` chats for `user`, each with a partner and a few messages (one deleted), in bulk SQL. */
  async function giveChats(user: TestUser, partner: TestUser, count: number): Promise<void> {
    await t.db.query(
      `WITH c AS (
         INSERT INTO chats (chat_type, created_by, member_key, last_seq, updated_at)
         SELECT 'other', $1::int, least($1::int, $2::int) || ',' || greatest($1::int, $2::int), 3, now() - g * interval '1 second'
           FROM generate_series(1, $3) g
         RETURNING id
       ), m AS (
         INSERT INTO chat_members (chat_id, user_id, role)
         SELECT id, $1::int, 'owner' FROM c UNION ALL SELECT id, $2::int, 'member' FROM c
       )
       INSERT INTO messages (chat_id, seq, sender_id, sender_name, content, deleted_at)
       SELECT c.id, s, $2::int, 'partner', 'message ' || s, CASE WHEN s = 3 THEN now() END
         FROM c CROSS JOIN generate_series(1, 3) s`,
      [user.id, partner.id, count],
    );
    // The last live message (seq 2) of each of the user's chats carries two attachments.
    await t.db.query(
      `WITH m AS (
         UPDATE messages m SET attachment_count = 2
           FROM chat_members cm
          WHERE cm.user_id = $1 AND m.chat_id = cm.chat_id AND m.seq = 2 AND m.attachment_count IS NULL
         RETURNING m.id
       )
       INSERT INTO attachments (uploader_id, kind, mime_type, size_bytes, name, storage_key, message_id, position, attached_at)
       SELECT $2, 'file', 'application/pdf', 100, 'record-' || p || '.pdf',
              'attachments/' || gen_random_uuid() || '/original', m.id, p, now()
         FROM m CROSS JOIN generate_series(1, 2) p`,
      [user.id, partner.id],
    );
    // And shows them, as the send statement stores them on the message (messages.attachments).
    await t.db.query(
      `UPDATE messages m SET attachments = (
         SELECT json_agg(fa ORDER BY fa.position) FROM (SELECT ${attachmentColumnsSql('a')}, a.position
                                                          FROM attachments a WHERE a.message_id = m.id) fa)
         FROM chat_members cm
        WHERE cm.user_id = $1 AND m.chat_id = cm.chat_id AND m.seq = 2 AND m.attachments IS NULL`,
      [user.id],
    );
    // And answers seq 1, forwards it, is a location and mentions the user (issue 14).
    await t.db.query(
      `WITH m AS (
         UPDATE messages m
            SET reply_to_id = o.id, forwarded_from_id = o.id, mentions = ARRAY[$1::int],
                location = '{"latitude": 55.75, "longitude": 37.61, "accuracy_m": null, "label": "pin"}'
           FROM chat_members cm, messages o
          WHERE cm.user_id = $1 AND m.chat_id = cm.chat_id AND m.seq = 2 AND m.reply_to_id IS NULL
            AND o.chat_id = m.chat_id AND o.seq = 1
         RETURNING m.chat_id, m.seq
       )
       INSERT INTO message_mentions (user_id, chat_id, seq) SELECT $1, chat_id, seq FROM m`,
      [user.id],
    );
    // The same message carries reactions: 👍 by both, 🐕 by the partner (and their summary,
    // as ReactionsRepository.summarize stores it).
    await t.db.query(
      `WITH m AS (
         UPDATE messages m SET reaction_count = 3, reactions = json_build_array(
                  json_build_object('emoji', '👍', 'count', 2, 'users', ARRAY[least($1::int, $2::int), greatest($1::int, $2::int)]),
                  json_build_object('emoji', '🐕', 'count', 1, 'users', ARRAY[$2::int]))
           FROM chat_members cm
          WHERE cm.user_id = $1 AND m.chat_id = cm.chat_id AND m.seq = 2 AND m.reaction_count IS NULL
         RETURNING m.id
       )
       INSERT INTO message_reactions (message_id, emoji, user_id)
       SELECT m.id, r.emoji, r.user_id FROM m
        CROSS JOIN (VALUES ('👍', $1::int), ('👍', $2::int), ('🐕', $2::int)) r(emoji, user_id)`,
      [user.id, partner.id],
    );
  }

  /** What seq 2 of every such chat shows besides its attachments. */
  const LINKED = {
    reply_to: expect.objectContaining({ seq: 1, content: 'message 1', deleted: false }),
    forwarded_from: expect.objectContaining({ sender_name: 'partner' }),
    location: { latitude: 55.75, longitude: 37.61, accuracy_m: null, label: 'pin' },
    mentions: [expect.any(Number)],
  };

  /** The statements one GET answers with, and its body. */
  async function statementsOf(path: string, user: TestUser, query: Record<string, string | number> = {}) {
    statements = [];
    const res = await t.http().get(path).query(query).set(user.auth).expect(200);
    return { statements: statements.length, body: res.body as { items: unknown[] } };
  }

  async function countListStatements(user: TestUser): Promise<{ statements: number; items: number }> {
    statements = [];
    const res = await t.http().get('/api/v1/chats').query({ limit: 100 }).set(user.auth).expect(200);
    return { statements: statements.length, items: res.body.items.length };
  }

  it('costs the same for 2 chats and for 200', async () => {
    const [few, many, partner] = [await registerUser(t), await registerUser(t), await registerUser(t)];
    await giveChats(few, partner, 2);
    await giveChats(many, partner, 200);

    const small = await countListStatements(few);
    const large = await countListStatements(many);
    expect(small.items).toBe(2);
    expect(large.items).toBe(100);
    expect(large.statements).toBe(small.statements);
    // One statement: chats, my_role, unread counts, last messages and members together.
    expect(large.statements).toBe(1);

    // And the set-based figures are right: unread counts skip the deleted message.
    const res = await t.http().get('/api/v1/chats').query({ limit: 1 }).set(many.auth).expect(200);
    expect(res.body.items[0]).toEqual(
      expect.objectContaining({
        unread_count: 2,
        unread_mentions_count: 1,
        last_message: expect.objectContaining({
          ...LINKED,
          seq: 2,
          content: 'message 2',
          attachments: [
            expect.objectContaining({ name: 'record-1.pdf', url: expect.stringMatching(/signature=/) }),
            expect.objectContaining({ name: 'record-2.pdf', url: expect.stringMatching(/signature=/) }),
          ],
          reactions: [
            { emoji: '👍', count: 2, me: true },
            { emoji: '🐕', count: 1, me: false },
          ],
        }),
        members: [
          expect.objectContaining({ user_id: many.id, role: 'owner', last_read_seq: 0 }),
          expect.objectContaining({ user_id: partner.id, role: 'member', last_read_seq: 0 }),
        ],
      }),
    );
  });

  it('reads a page of history, plain, searched or after a seq, in one statement with the attachments, replies, forwards, locations and reactions', async () => {
    const [user, partner] = [await registerUser(t), await registerUser(t)];
    await giveChats(user, partner, 1);
    const [chat] = (await statementsOf('/api/v1/chats', user)).body.items as { id: number }[];
    const path = `/api/v1/chats/${chat.id}/messages`;
    for (const query of [{}, { query: 'message' }, { after: 0, sort: 'asc' }] as Record<
      string,
      string | number
    >[]) {
      const page = await statementsOf(path, user, query);
      expect({ query, statements: page.statements }).toEqual({ query, statements: 1 });
      const items = page.body.items as {
        seq: number;
        attachments: { name: string }[];
        reactions: { emoji: string; count: number; me: boolean }[];
      }[];
      expect(items.map((m) => [m.seq, m.attachments.map((a) => a.name), m.reactions]).sort()).toEqual([
        [1, [], []],
        [
          2,
          ['record-1.pdf', 'record-2.pdf'],
          [
            { emoji: '👍', count: 2, me: true },
            { emoji: '🐕', count: 1, me: false },
          ],
        ],
      ]);
      expect(items.find((m) => m.seq === 2)).toMatchObject(LINKED);
      expect(items.find((m) => m.seq === 1)).toMatchObject({
        reply_to: null,
        forwarded_from: null,
        location: null,
        mentions: [],
      });
    }
  });
});
