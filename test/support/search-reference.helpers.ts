import type { DataSource } from 'typeorm';
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
