import { searchPatterns } from './sql.predicates';

describe('searchPatterns', () => {
  it('makes one substring pattern per distinct word', () => {
    expect(searchPatterns('  рыжий  Кот\tрыжий ')).toEqual(['%рыжий%', '%Кот%']);
  });

  it('escapes LIKE wildcards and the escape character (seed defect 9)', () => {
    expect(searchPatterns('100% a_b c\\d')).toEqual(['%100\\%%', '%a\\_b%', '%c\\\\d%']);
  });

  it('has no pattern for no words', () => {
    expect(searchPatterns(undefined)).toEqual([]);
    expect(searchPatterns('   ')).toEqual([]);
  });
});
