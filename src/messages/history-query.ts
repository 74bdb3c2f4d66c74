import { activeMemberSql } from '../members/membership-sql';
import { MESSAGE_COLUMNS } from './dto/message.dto';
import type { ListMessagesQuery } from './dto/message-input.dto';
import { searchPatterns } from './message-rules';

export interface SqlQuery {
  sql: string;
  params: unknown[];
}

/**
 * One page of a chat's live messages, fetching limit + 1 rows to tell whether there is more, and
 * none unless `viewerId` is an active member of the live chat (checked once, in the same statement).
 * Without words it walks messages_chat_live_seq_idx; with words the planner can use the trigram
 * index messages_chat_content_trgm_idx, whose chat_id column keeps the search inside the chat.
 */
export function historyQuery(chatId: number, viewerId: number, query: ListMessagesQuery): SqlQuery {
  const params: unknown[] = [chatId, viewerId];
  const where = ['m.chat_id = $1', 'm.deleted_at IS NULL', activeMemberSql('$1', '$2')];
  const condition = (sql: (param: string) => string, value: unknown): void => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (query.before !== undefined) condition((p) => `m.seq < ${p}`, query.before);
  if (query.after !== undefined) condition((p) => `m.seq > ${p}`, query.after);
  for (const pattern of searchPatterns(query.query)) condition((p) => `m.content ILIKE ${p}`, pattern);
  params.push(query.limit + 1);
  const order = query.sort === 'asc' ? 'ASC' : 'DESC';
  return {
    sql: `SELECT ${MESSAGE_COLUMNS} FROM messages m WHERE ${where.join(' AND ')} ORDER BY m.seq ${order} LIMIT $${params.length}`,
    params,
  };
}
