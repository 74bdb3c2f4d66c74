import { ListMessagesQuery } from '../messages/dto/message-input.dto';
import { activeMemberSql } from './sql.predicates';
import { historyQuery } from './messages.repository';

const query = (fields: Partial<ListMessagesQuery>): ListMessagesQuery =>
  Object.assign(new ListMessagesQuery(), fields);

describe('historyQuery', () => {
  it('reads the newest live messages of the chat by default, one more than the limit', () => {
    const { sql, params } = historyQuery(5, 7, query({}));
    expect(sql).toMatch(
      /WHERE m\.chat_id = \(SELECT \$1::int\) AND m\.deleted_at IS NULL AND EXISTS \(.*\)\s+ORDER BY m\.seq DESC LIMIT 51$/s,
    );
    expect(params).toEqual([5, 7]);
  });

  it("keeps a plain page's chat and bounds from the planner, as parameters", () => {
    const { sql, params } = historyQuery(5, 7, query({ sort: 'asc', before: 90, after: 10 }));
    expect(sql).toContain('m.seq < (SELECT $3::int) AND m.seq > (SELECT $4::int)');
    expect(params).toEqual([5, 7, 90, 10]);
  });

  it("writes a plain page's LIMIT into the text only as a positive integer", () => {
    expect(historyQuery(5, 7, query({ limit: 100 })).sql).toMatch(/LIMIT 101$/);
    for (const limit of [0.5, Number.NaN, -3, 2 ** 60]) {
      expect(() => historyQuery(5, 7, query({ limit }))).toThrow('Not a row count');
    }
  });

  it('reads nothing unless the viewer is an active member of the live chat', () => {
    const { sql } = historyQuery(5, 7, query({}));
    expect(sql).toContain(activeMemberSql('$1', '$2'));
    expect(activeMemberSql('$1', '$2')).toMatch(/a\.user_id = \$2 AND a\.removed_at IS NULL/);
    expect(activeMemberSql('$1', '$2')).toContain('ac.deleted_at IS NULL');
  });

  it('adds exclusive seq bounds and search words as parameters, never as SQL text', () => {
    const { sql, params } = historyQuery(
      5,
      7,
      query({ sort: 'asc', before: 90, after: 10, limit: 20, query: "кот 50% '; DROP" }),
    );
    expect(sql).toContain('m.seq < $3 AND m.seq > $4');
    expect(sql).toContain(
      'm.content ILIKE $5 AND m.content ILIKE $6 AND m.content ILIKE $7 AND m.content ILIKE $8',
    );
    // The words themselves, for the tests of the blocks' text (strpos).
    expect(sql).toContain('strpos(l.line, (SELECT lower($9::text))) > 0');
    expect(sql).toMatch(/ORDER BY m\.seq ASC LIMIT \$13$/);
    expect(sql).not.toMatch(/DROP|'/);
    // The page's size (limit + 1), then the window's blocks: ⌈40 × 21 / 64⌉.
    expect(params).toEqual([
      5,
      7,
      90,
      10,
      '%кот%',
      '%50\\%%',
      "%';%",
      '%DROP%',
      'кот',
      '50%',
      "';",
      'DROP',
      21,
      14,
    ]);
  });
});
