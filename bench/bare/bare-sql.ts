import { escapeLike } from '../../src/repositories/sql.predicates';

/**
 * The SQL of the bare baseline, on its own minimal schema (bare-schema.ts: no soft-deleted chats
 * or memberships, messages keyed by (chat_id, seq)). History and search pages are the service's
 * own statements less the access check the service folds into them, so that a ratio measures what
 * the service adds around them (framework, auth, access check, mapping, schema), not a different
 * plan; the chat list is one set-based statement for the whole page, as in the service.
 */
const MESSAGE_COLUMNS =
  'm.chat_id, m.seq, m.sender_id, m.sender_name, m.content, m.client_message_id, m.created_at';

export interface PageQuery {
  chatId: number;
  before?: number;
  after?: number;
  /** Words that must all occur, case-insensitively. */
  words: string[];
  sort: 'asc' | 'desc';
  limit: number;
}

/** The statement the service's historyQuery builds for the same page, without its access check. */
export function pageSql(query: PageQuery): { sql: string; params: unknown[] } {
  const params: unknown[] = [query.chatId];
  const where = ['m.chat_id = $1', 'm.deleted_at IS NULL'];
  const condition = (sql: (param: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (query.before !== undefined) condition((p) => `m.seq < ${p}`, query.before);
  if (query.after !== undefined) condition((p) => `m.seq > ${p}`, query.after);
  for (const word of new Set(query.words)) {
    condition((p) => `m.content ILIKE ${p}`, `%${escapeLike(word)}%`);
  }
  params.push(query.limit + 1);
  const order = query.sort === 'asc' ? 'ASC' : 'DESC';
  return {
    sql: `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE ${where.join(' AND ')} ORDER BY m.seq ${order} LIMIT $${params.length}`,
    params,
  };
}

/**
 * The rich history page as a hand-written chat would read it (BARE_RICH_SCHEMA_SQL), newest
 * first: each message with its reply's preview (the original read now, so that it follows edits
 * and deletion), its attachments in order and its reactions counted with the reader's own, each
 * folded by a subquery on the message's key, as the service read them before it stored them on
 * the message. The attachments' URLs are signed by the server.
 */
export const RICH_PAGE_SQL = `
  SELECT ${MESSAGE_COLUMNS},
         (SELECT row_to_json(rp) FROM (
            SELECT r.seq, r.sender_id, r.sender_name, CASE WHEN r.deleted_at IS NULL THEN left(r.content, 200) END AS content,
                   r.deleted_at IS NOT NULL AS deleted
              FROM messages r WHERE r.chat_id = m.chat_id AND r.seq = m.reply_to_seq) rp) AS reply_to,
         (SELECT json_agg(fa ORDER BY fa.position) FROM (
            SELECT a.id, a.kind, a.mime_type, a.size_bytes, a.name, a.width, a.height, a.duration_ms, a.waveform,
                   a.thumbnail_key IS NOT NULL AS thumbnail, a.placeholder, a.created_at, a.position
              FROM attachments a WHERE a.chat_id = m.chat_id AND a.seq = m.seq) fa) AS attachments,
         (SELECT json_agg(x ORDER BY x.count DESC, x.first_at, x.emoji) FROM (
            SELECT r.emoji, count(*)::int AS count, bool_or(r.user_id = $2) AS me, min(r.created_at) AS first_at
              FROM reactions r WHERE r.chat_id = m.chat_id AND r.seq = m.seq GROUP BY r.emoji) x) AS reactions
    FROM messages m
   WHERE m.chat_id = $1 AND m.deleted_at IS NULL
   ORDER BY m.seq DESC LIMIT $3`;

/**
 * The search across a user's chats on the bare schema: what one statement over a per-message
 * trigram index (BARE_SEARCH_INDEX_SQL, present while the search scenarios run) gives, newest
 * first (created_at: the bare messages have no id), no cursor.
 */
export function crossChatSql(
  userId: number,
  words: string[],
  limit: number,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [userId, limit + 1];
  const where = [...new Set(words)].map((word) => `m.content ILIKE $${params.push(`%${escapeLike(word)}%`)}`);
  return {
    sql: `SELECT ${MESSAGE_COLUMNS}, c.title, c.chat_type FROM messages m
            JOIN chat_members cm ON cm.chat_id = m.chat_id AND cm.user_id = $1
            JOIN chats c ON c.id = m.chat_id
           WHERE m.deleted_at IS NULL AND ${where.join(' AND ')}
           ORDER BY m.created_at DESC LIMIT $2`,
    params,
  };
}

export const BARE_SQL = {
  handshake: `
    SELECT u.display_name,
           COALESCE(array_agg(m.chat_id) FILTER (WHERE m.chat_id IS NOT NULL), '{}') AS chat_ids
      FROM users u
      LEFT JOIN chat_members m ON m.user_id = u.id
     WHERE u.id = $1
     GROUP BY u.id`,

  nextSeq: `UPDATE chats SET last_seq = last_seq + 1, updated_at = now() WHERE id = $1 RETURNING last_seq`,

  insertMessage: `
    INSERT INTO messages AS m (chat_id, seq, sender_id, sender_name, content, client_message_id)
    VALUES ($1, $2, $3, $4, $5, $6)
    RETURNING ${MESSAGE_COLUMNS}`,

  /** The set-based chat list: one statement for the page with members, last message and unread. */
  chatList: (unread: string) => `
    SELECT c.id, c.chat_type, c.title, c.post_id, c.created_at, c.updated_at, m.role AS my_role,
           ${unread} AS unread_count,
           (SELECT row_to_json(l) FROM (
              SELECT ${MESSAGE_COLUMNS} FROM messages m
               WHERE m.chat_id = c.id AND m.deleted_at IS NULL ORDER BY m.seq DESC LIMIT 1) l) AS last_message,
           (SELECT json_agg(json_build_object('user_id', mm.user_id, 'username', u.username,
                     'display_name', u.display_name, 'role', mm.role, 'joined_at', mm.joined_at,
                     'last_read_seq', mm.last_read_seq) ORDER BY mm.joined_at)
              FROM chat_members mm JOIN users u ON u.id = mm.user_id
             WHERE mm.chat_id = c.id) AS members
      FROM chat_members m
      JOIN chats c ON c.id = m.chat_id
     WHERE m.user_id = $1
     ORDER BY c.updated_at DESC, c.id DESC
     LIMIT $2`,

  unread: (unread: string) => `
    SELECT ${unread} AS unread_count, m.last_read_seq
      FROM chats c JOIN chat_members m ON m.chat_id = c.id AND m.user_id = $2
     WHERE c.id = $1`,
};
