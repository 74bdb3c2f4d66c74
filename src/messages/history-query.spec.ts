import { ListMessagesQuery } from './dto/message-input.dto';
import { historyQuery } from './history-query';

const query = (fields: Partial<ListMessagesQuery>): ListMessagesQuery =>
  Object.assign(new ListMessagesQuery(), fields);

describe('historyQuery', () => {
  it('reads the newest live messages of the chat by default, one more than the limit', () => {
    const { sql, params } = historyQuery(5, query({}));
    expect(sql).toMatch(/WHERE m\.chat_id = \$1 AND m\.deleted_at IS NULL ORDER BY m\.seq DESC LIMIT \$2$/);
    expect(params).toEqual([5, 51]);
  });

  it('adds exclusive seq bounds and search words as parameters, never as SQL text', () => {
    const { sql, params } = historyQuery(
      5,
      query({ sort: 'asc', before: 90, after: 10, limit: 20, query: "кот 50% '; DROP" }),
    );
    expect(sql).toContain('m.seq < $2 AND m.seq > $3');
    expect(sql).toContain(
      'm.content ILIKE $4 AND m.content ILIKE $5 AND m.content ILIKE $6 AND m.content ILIKE $7',
    );
    expect(sql).toMatch(/ORDER BY m\.seq ASC LIMIT \$8$/);
    expect(sql).not.toMatch(/DROP|'/);
    expect(params).toEqual([5, 90, 10, '%кот%', '%50\\%%', "%';%", '%DROP%', 21]);
  });
});
