import type { DataSource } from 'typeorm';
import type { CrossChatSearchFilter } from '../../src/repositories/cross-chat-search.repository';
import type { HistoryFilter } from '../../src/repositories/messages.repository';
import { searchPatterns } from '../../src/repositories/sql.predicates';

/**
 * The seqs of a search page as one filtered walk of the whole range finds them: what the search
 * statement must return, however it gets there (windows, blocks, indexes).
 */
export async function referenceSearchPage(
  db: DataSource,
  chatId: number,
  filter: HistoryFilter,
): Promise<number[]> {
  const params: unknown[] = [chatId, ...searchPatterns(filter.query)];
  const words = params.slice(1).map((_, i) => `content ILIKE $${i + 2}`);
  const bounds = [
    ...(filter.before === undefined ? [] : [`seq < ${filter.before}`]),
    ...(filter.after === undefined ? [] : [`seq > ${filter.after}`]),
  ];
  const rows: { seq: number }[] = await db.query(
    `SELECT seq FROM messages WHERE chat_id = $1 AND deleted_at IS NULL AND ${[...words, ...bounds].join(' AND ')}
      ORDER BY seq ${filter.sort === 'asc' ? 'ASC' : 'DESC'} LIMIT ${filter.limit + 1}`,
    params,
  );
  return rows.map((row) => row.seq);
}

/**
 * The message ids of a page of the search across chats as one filtered scan finds them: live
 * messages of live chats the viewer is an active member of (of the type, if given), with every
 * word, below `beforeId`, newest (highest id) first, limit + 1.
 */
export async function referenceCrossChatPage(
  db: DataSource,
  viewerId: number,
  filter: CrossChatSearchFilter,
): Promise<number[]> {
  const params: unknown[] = [viewerId, filter.chatType ?? null, filter.beforeId ?? null];
  const words = searchPatterns(filter.query).map((pattern) => `m.content ILIKE $${params.push(pattern)}`);
  const rows: { id: number }[] = await db.query(
    `SELECT m.id FROM messages m
       JOIN chats c ON c.id = m.chat_id AND c.deleted_at IS NULL
       JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = $1 AND cm.removed_at IS NULL
      WHERE m.deleted_at IS NULL AND ($2::text IS NULL OR c.chat_type = $2) AND ($3::int IS NULL OR m.id < $3)
        AND ${words.join(' AND ')}
      ORDER BY m.id DESC LIMIT ${filter.limit + 1}`,
    params,
  );
  return rows.map((row) => row.id);
}

/** A deterministic generator (mulberry32), so that a failure can be replayed. */
export function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random search data on a seeded generator: `next` (0–1), `pick` (one of), and `text`: 1–5 words
 * of 1–6 letters (Cyrillic and Latin, both cases, ё, `%` and `_`), sometimes on several lines.
 */
export function randomTexts(seed: number) {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const letters = ['а', 'б', 'К', 'к', 'о', 'т', 'Ё', 'ё', 'a', 'b', 'C', 'c', 'x', '%', '_', 'я'];
  const text = (): string =>
    Array.from({ length: 1 + Math.floor(next() * 5) }, () =>
      Array.from({ length: 1 + Math.floor(next() * 6) }, () => pick(letters)).join(''),
    ).join(next() < 0.2 ? '\n' : ' ');
  return { next, pick, letters, text };
}
