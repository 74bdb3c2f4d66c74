import { CONTENT_SQL, RARE_WORD, rebuildSearchBlocks } from './bulk';

/** Anything with pg's `query(sql, params)`: a pg Client or a TypeORM DataSource. */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** The rows of a result: a DataSource answers them, a pg Client a result holding them. */
function rowsOf<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

/** The chat types the population cycles through (no `response`: it needs a post). */
const CHAT_TYPES = ['other', 'keeper', 'seeker', 'vet'];

/**
 * The cross-chat search's chats (issue 14 item 7): `chats` chats of `viewerId` (owner) and
 * `otherId`, titled `Rescue n`, of the types in turn; their ids in creation order.
 */
export async function searchChats(
  db: Queryable,
  viewerId: number,
  otherId: number,
  chats: number,
): Promise<number[]> {
  const made = rowsOf<{ id: number }>(
    await db.query(
      `WITH made AS (
         INSERT INTO chats (chat_type, title, created_by, member_key)
         SELECT (ARRAY['${CHAT_TYPES.join("','")}'])[1 + (n - 1) % ${CHAT_TYPES.length}], 'Rescue ' || n, $1::int,
                'xsearch:' || n || ':' || $1::int
           FROM generate_series(1, $3::int) n
         RETURNING id
       ), members AS (
         INSERT INTO chat_members (chat_id, user_id, role)
         SELECT id, $1::int, 'owner' FROM made UNION ALL SELECT id, $2::int, 'member' FROM made
       )
       SELECT id FROM made ORDER BY id`,
      [viewerId, otherId, chats],
    ),
  );
  return made.map((row) => row.id);
}

/**
 * `messages` messages spread over the chats round robin, inserted in that order, so that message
 * ids (and created_at) interleave the chats as live traffic does: message g goes to chat
 * (g - 1) % chats as its seq (g - 1) / chats + 1. Content is bulk.ts's eight words and `#g`;
 * RARE_WORD is appended to every 997th message (about 0.1%, over every chat), every 1,009th is
 * deleted; the chats' last_seq brought level. Uses only columns the bare schema has too.
 */
export async function searchMessages(
  db: Queryable,
  chatIds: number[],
  senderIds: [number, number],
  messages: number,
): Promise<void> {
  const batch = 100_000;
  for (let from = 1; from <= messages; from += batch) {
    const to = Math.min(messages, from + batch - 1);
    await db.query(
      `INSERT INTO messages (chat_id, seq, sender_id, sender_name, content, created_at, deleted_at)
       SELECT ($1::int[])[1 + (g - 1) % cardinality($1::int[])], (g - 1) / cardinality($1::int[]) + 1,
              CASE WHEN g % 2 = 0 THEN $2::int ELSE $3::int END, 'Bench',
              ${CONTENT_SQL} || CASE WHEN g % 997 = 0 THEN ' ${RARE_WORD}' ELSE '' END,
              now() - make_interval(secs => $5 - g), CASE WHEN g % 1009 = 7 THEN now() END
         FROM generate_series($4::int, $5::int) g ORDER BY g`,
      [chatIds, senderIds[0], senderIds[1], from, to],
    );
  }
  await db.query(
    `UPDATE chats c SET last_seq = m.last_seq FROM (
       SELECT chat_id, max(seq) AS last_seq FROM messages WHERE chat_id = ANY($1::int[]) GROUP BY chat_id) m
      WHERE c.id = m.chat_id`,
    [chatIds],
  );
}

/**
 * Both, on the service's schema, then its search blocks rebuilt, the chats' tails closed (all of
 * them quiet, as the indexer leaves them) and the tables analyzed (VACUUM: index-only scans and an
 * empty GIN pending list, as after the bench's settle).
 */
export async function populateSearchChats(
  db: Queryable,
  viewerId: number,
  otherId: number,
  chats: number,
  messages: number,
): Promise<number[]> {
  const chatIds = await searchChats(db, viewerId, otherId, chats);
  await searchMessages(db, chatIds, [viewerId, otherId], messages);
  await rebuildSearchBlocks(db);
  await db.query('VACUUM (ANALYZE) messages, message_search_segments, chats, chat_members');
  return chatIds;
}
