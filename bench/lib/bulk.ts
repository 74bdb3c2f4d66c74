import type { Client } from 'pg';
import {
  BUILD_ALL_SEGMENTS_SQL,
  CLEAR_BLOCKS_SQL,
  CLOSE_ALL_TAILS_SQL,
  RECORD_ALL_COVERED_SQL,
} from '../../src/repositories/message-search.repository';
import { BARE_RICH_SCHEMA_SQL } from '../bare/bare-schema';
import { BenchUser, register, signToken } from './api';
import type { BenchContext } from './context';

/**
 * Bulk data for the scenarios that need more than a REST loop can make in time: plain SQL with
 * generate_series on the service's own schema, after the service has migrated it; the loaders
 * that take a `db` run on the bare baseline's schema as well (ctx.both), which has the same
 * column names for what they write.
 */

/** The columns of the bare schema (bare-schema.ts) filled from the service's live rows. */
const MIRRORED: { table: string; columns: string[]; live: string }[] = [
  { table: 'users', columns: ['id', 'username', 'display_name'], live: 'true' },
  {
    table: 'chats',
    columns: ['id', 'chat_type', 'title', 'post_id', 'created_at', 'updated_at', 'last_seq'],
    live: 'deleted_at IS NULL',
  },
  {
    table: 'chat_members',
    columns: ['chat_id', 'user_id', 'role', 'joined_at', 'last_read_seq'],
    live: 'removed_at IS NULL',
  },
];

/**
 * Copies the users, chats and memberships the service has (made over REST or by the loaders
 * here) into the bare baseline's database, with the same ids, so that the same tokens and chat
 * ids work on both servers. Rows the bare database already has stay as they are; messages are
 * not copied: the loaders write them into each database (ctx.both).
 */
export async function mirrorToBare(ctx: BenchContext): Promise<void> {
  for (const { table, columns, live } of MIRRORED) {
    const list = columns.join(', ');
    await copyToBare(ctx, `SELECT ${list} FROM ${table} WHERE ${live}`, [], table, list);
  }
}

/**
 * The rows `select` ($1… `params`) reads from the service's database, inserted into the bare
 * baseline's `table` by the names of `columns` (one round trip each way, as JSON); rows the bare
 * table already has stay as they are.
 */
async function copyToBare(
  ctx: BenchContext,
  select: string,
  params: unknown[],
  table: string,
  columns: string,
): Promise<void> {
  const { rows } = await ctx.setup.query<{ rows: string }>(
    `SELECT coalesce(json_agg(t), '[]')::text AS rows FROM (${select}) t`,
    params,
  );
  await ctx.bareSetup.query(
    `INSERT INTO ${table} (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::${table}, $1::json)
     ON CONFLICT DO NOTHING`,
    [rows[0].rows],
  );
}

/**
 * Copies one chat's messages, their attachments and reactions from the service's database into
 * the bare baseline's rich-page tables (BARE_RICH_SCHEMA_SQL, made here if missing), keyed by
 * (chat_id, seq) as the bare schema keys messages; a reply names its original's seq. For a chat
 * made over REST on the service (the history scenario's rich chat), after mirrorToBare.
 *
 * The tables also get the attachments and reactions of a deployment's other chats, made up on
 * the messages of `fillerChatId` (a photo on every 10th, two reactions on every 5th): with only
 * the rich chat's hundred rows, PostgreSQL reads them with a sequential scan per message of the
 * page (cheaper on paper for so small a table, ~2x the PostgreSQL CPU of the index probes a real
 * deployment's tables get). The service does not read these tables for a page.
 */
export async function mirrorRichChat(ctx: BenchContext, chatId: number, fillerChatId: number): Promise<void> {
  await ctx.bareSetup.query(BARE_RICH_SCHEMA_SQL);
  await ctx.bareSetup.query(
    `INSERT INTO attachments (id, chat_id, seq, position, kind, mime_type, size_bytes, name, width, height,
                              thumbnail_key, placeholder, created_at)
     SELECT -m.seq, m.chat_id, m.seq, 1, 'image', 'image/jpeg', 130000, 'photo.jpg', 640, 480,
            'attachments/' || m.seq || '/thumbnail', 'IPgBBYB6KbwYtAku1JV2qPPecfvW', m.created_at
       FROM messages m WHERE m.chat_id = $1 AND m.seq % 10 = 0`,
    [fillerChatId],
  );
  await ctx.bareSetup.query(
    `INSERT INTO reactions (chat_id, seq, emoji, user_id, created_at)
     SELECT m.chat_id, m.seq, e.emoji, m.sender_id, m.created_at
       FROM messages m CROSS JOIN (VALUES ('👍'), ('❤️')) e(emoji) WHERE m.chat_id = $1 AND m.seq % 5 = 0`,
    [fillerChatId],
  );
  const copies: [table: string, columns: string, select: string][] = [
    [
      'messages',
      'chat_id, seq, sender_id, sender_name, content, client_message_id, created_at, reply_to_seq',
      `SELECT m.chat_id, m.seq, m.sender_id, m.sender_name, m.content, m.client_message_id, m.created_at,
              (SELECT r.seq FROM messages r WHERE r.id = m.reply_to_id) AS reply_to_seq
         FROM messages m WHERE m.chat_id = $1 AND m.deleted_at IS NULL`,
    ],
    [
      'attachments',
      'id, chat_id, seq, position, kind, mime_type, size_bytes, name, width, height, duration_ms, waveform, thumbnail_key, placeholder, created_at',
      `SELECT a.id, m.chat_id, m.seq, a.position, a.kind, a.mime_type, a.size_bytes, a.name, a.width, a.height,
              a.duration_ms, a.waveform, a.thumbnail_key, a.placeholder, a.created_at
         FROM messages m JOIN attachments a ON a.message_id = m.id WHERE m.chat_id = $1`,
    ],
    [
      'reactions',
      'chat_id, seq, emoji, user_id, created_at',
      `SELECT m.chat_id, m.seq, r.emoji, r.user_id, r.created_at
         FROM messages m JOIN message_reactions r ON r.message_id = m.id WHERE m.chat_id = $1`,
    ],
  ];
  for (const [table, columns, select] of copies) await copyToBare(ctx, select, [chatId], table, columns);
  await ctx.bareSetup.query('ANALYZE messages; ANALYZE attachments; ANALYZE reactions');
}

/**
 * The service's search blocks afresh, on its database: the loads wrote messages past the send
 * path. Every chat is quiet after a load, so its tail is closed too, as the service's indexer
 * closes a chat's SEARCH_TAIL_QUIET_SECONDS after its last send; then every chat's coverage as
 * the builder records it (chats.search_covered_seq).
 */
export async function rebuildSearchBlocks(db: { query(sql: string): Promise<unknown> }): Promise<void> {
  await db.query(CLEAR_BLOCKS_SQL);
  await db.query(BUILD_ALL_SEGMENTS_SQL);
  await db.query(CLOSE_ALL_TAILS_SQL);
  await db.query(RECORD_ALL_COVERED_SQL);
}

/**
 * After a bulk load: the service's search blocks (message_search_segments) rebuilt; in both databases: statistics, the visibility map (index-only scans) and a
 * checkpoint, so that neither autovacuum nor the checkpoint the load provoked runs in the middle
 * of a measurement (both servers share the cluster; a run once saw the bare baseline's unread p99
 * jump from 2.6 to 242 ms between repeats), and neither side plans on missing statistics.
 */
export async function settle(ctx: BenchContext): Promise<void> {
  await rebuildSearchBlocks(ctx.setup);
  await ctx.both((db) => db.query('VACUUM (ANALYZE)'));
  await ctx.setup.query('CHECKPOINT');
}

/** The argon2 hash of a user registered over REST, reused by bulk users (no one logs in as them). */
async function passwordHash(ctx: BenchContext, seed: BenchUser): Promise<string> {
  const { rows } = await ctx.setup.query<{ password_hash: string }>(
    `SELECT password_hash FROM users WHERE id = $1`,
    [seed.id],
  );
  return rows[0].password_hash;
}

/** `count` users named `<prefix>_<n>`, with tokens signed like the service's (see signToken). */
export async function bulkUsers(ctx: BenchContext, prefix: string, count: number): Promise<BenchUser[]> {
  const seed = await register(ctx.service.origin, `${prefix}_seed`);
  const hash = await passwordHash(ctx, seed);
  const { rows } = await ctx.setup.query<{ id: number; username: string }>(
    `INSERT INTO users (username, display_name, password_hash)
     SELECT $1 || '_' || g, 'Bench ' || g, $2 FROM generate_series(1, $3) g
     RETURNING id, username`,
    [prefix, hash, count],
  );
  return rows.map((row) => ({ ...row, token: signToken(ctx.secret, row.id, row.username) }));
}

/** Two-person chats of the given pairs (first one owns); returns the chat ids in pair order. */
export async function bulkPairChats(db: Client, pairs: [number, number][]): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `WITH pairs AS (
       SELECT a, b, ord FROM unnest($1::int[], $2::int[]) WITH ORDINALITY AS p(a, b, ord)
     ), made AS (
       INSERT INTO chats (chat_type, created_by, member_key)
       SELECT 'other', a, LEAST(a, b) || ',' || GREATEST(a, b) FROM pairs ORDER BY ord
       RETURNING id, created_by, member_key
     ), members AS (
       INSERT INTO chat_members (chat_id, user_id, role)
       SELECT made.id, pairs.a, 'owner' FROM made JOIN pairs ON made.member_key = LEAST(pairs.a, pairs.b) || ',' || GREATEST(pairs.a, pairs.b)
       UNION ALL
       SELECT made.id, pairs.b, 'member' FROM made JOIN pairs ON made.member_key = LEAST(pairs.a, pairs.b) || ',' || GREATEST(pairs.a, pairs.b)
     )
     SELECT made.id FROM made JOIN pairs ON made.member_key = LEAST(pairs.a, pairs.b) || ',' || GREATEST(pairs.a, pairs.b)
     ORDER BY pairs.ord`,
    [pairs.map((pair) => pair[0]), pairs.map((pair) => pair[1])],
  );
  return rows.map((row) => row.id);
}

/**
 * `count` messages in a chat, alternating between two senders (or all from the first), with
 * seq 1..count, and the chat's last_seq and updated_at brought level. Content is made of words
 * from a small Latin + Cyrillic vocabulary, chosen by a hash of the seq so each run is the same.
 */
export async function bulkMessages(
  db: Client,
  chatId: number,
  senders: { id: number; name: string }[],
  count: number,
): Promise<void> {
  const batch = 100_000;
  for (let from = 1; from <= count; from += batch) {
    const to = Math.min(count, from + batch - 1);
    await db.query(
      `INSERT INTO messages (chat_id, seq, sender_id, sender_name, content, created_at)
       SELECT $1, g, ($2::int[])[1 + g % cardinality($2::int[])], ($3::text[])[1 + g % cardinality($3::text[])],
              ${CONTENT_SQL}, now() - make_interval(secs => $5 - g)
         FROM generate_series($4::int, $5::int) g`,
      [chatId, senders.map((s) => s.id), senders.map((s) => s.name), from, to],
    );
  }
  await db.query(`UPDATE chats SET last_seq = $2, updated_at = now() WHERE id = $1`, [chatId, count]);
}

/** Words for generated messages; `VOCABULARY[i]` picks by hashing `g` (the seq) with `i`. */
const WORDS = [
  'кошка',
  'котёнок',
  'собака',
  'щенок',
  'приют',
  'передержка',
  'ветклиника',
  'прививка',
  'стерилизация',
  'корм',
  'переноска',
  'подъезд',
  'двор',
  'рыжий',
  'чёрный',
  'белая',
  'найдена',
  'потерялась',
  'ищем',
  'хозяина',
  'cat',
  'dog',
  'kitten',
  'puppy',
  'shelter',
  'foster',
  'vet',
  'found',
  'lost',
  'near',
  'park',
  'street',
  'food',
  'carrier',
  'help',
  'tomorrow',
  'today',
  'evening',
  'morning',
  'please',
];

const word = (salt: number) =>
  `(ARRAY['${WORDS.join("','")}'])[1 + abs(hashint4(g * 8 + ${salt})) % ${WORDS.length}]`;

/** Eight words and the seq, ~70 characters, like a short chat message. */
export const CONTENT_SQL = `concat_ws(' ', ${[0, 1, 2, 3, 4, 5, 6, 7].map(word).join(', ')}, '#' || g)`;

/** A word that appears in no generated message but is planted in a few: the rare search term. */
export const RARE_WORD = 'лишайчик';

/** Plants the rare word into every `every`-th message of the chat. */
export async function plantRareWord(db: Client, chatId: number, every: number): Promise<number> {
  const result = await db.query(
    `UPDATE messages SET content = content || ' ${RARE_WORD}' WHERE chat_id = $1 AND seq % $2 = 0`,
    [chatId, every],
  );
  return result.rowCount ?? 0;
}
