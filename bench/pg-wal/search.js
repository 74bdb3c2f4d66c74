// Search latency per word class (docs/perf-messages-write.md): writes one pgbench script per word
// with historyQuery's statement for chat 1 (viewer user 1, page of 50, newest first), parameters
// written as literals (the service sends them as parameters of an unnamed statement: a custom
// plan each time, as here). Usage: node search.js <dir> [compiled messages.repository.js].
const fs = require('fs');
const path = require('path');
const repository = process.argv[3] ?? path.join(__dirname, '../../dist/src/repositories/messages.repository.js');
const { historyQuery } = require(path.resolve(repository));
const WORDS = {
  rare: 'лишайчик',
  rarest: 'барсучок',
  common: 'кошка',
  latin_upper: 'SHELTER',
  two_letters: 'ка',
  one_letter_rare: 'у',
  no_match: 'zzzq',
  mid_misestimated: 'ка #5',
};
const literal = (value) => (typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`);
for (const [name, query] of Object.entries(WORDS)) {
  const { sql, params } = historyQuery(1, 1, { limit: 50, query });
  const text = sql.replace(/\$(\d+)/g, (_, n) => literal(params[Number(n) - 1])).replace(/\s+/g, ' ');
  fs.writeFileSync(path.join(process.argv[2], `search-${name}.sql`), `${text};\n`);
}
