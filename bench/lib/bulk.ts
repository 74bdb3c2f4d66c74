import type { Client } from 'pg';
import { BenchUser, register, signToken } from './api';
import type { BenchContext } from './context';

/**
 * Bulk data for the scenarios that need more than a REST loop can make in time: plain SQL with
 * generate_series on the service's own schema, after the service has migrated it.
 */

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
const CONTENT_SQL = `concat_ws(' ', ${[0, 1, 2, 3, 4, 5, 6, 7].map(word).join(', ')}, '#' || g)`;

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
