// Writes the pgbench scripts of docs/perf-messages-write.md from the compiled statements (dist/):
// send.sql, one message per batch as the group commit runs it (BEGIN, the SET LOCALs and the chat
// lock of beginAndLockChatsSql, SEND_BATCH_SQL, COMMIT), parameters as pgbench variables; and
// send-build.sql, the same followed, when the message completes a search block, by what the
// service's MessageSearchIndexer then runs (BUILD_SEGMENTS_SQL). Usage: node scripts.js <dir>.
const fs = require('fs');
const path = require('path');
const dist = path.join(__dirname, '../../dist/src/repositories');
const { SEND_BATCH_SQL, beginAndLockChatsSql } = require(path.join(dist, 'messages.repository.js'));
const search = (() => {
  try {
    return require(path.join(dist, 'message-search.repository.js'));
  } catch {
    return undefined;
  }
})();
const LINES = [
  'Нашли рыжего котёнка у подъезда на Лесной, ищем передержку',
  'Кошка после стерилизации, нужна переноска до ветклиники',
  'Found a small black kitten near the park, who can foster?',
  'Собака потерялась вечером у парка, откликается на Лайку',
  'Vet appointment tomorrow morning, I can drive the carrier',
  'Корм привезу завтра, напишите адрес приюта пожалуйста',
  'Щенок привит, ищем хозяина, фото в профиле',
  'Lost grey cat with a white chest, street near the shelter',
];
// CONTENT=random: 64 random letters and spaces per message instead (md5 of the number mapped onto
// Cyrillic): almost no trigram repeats within a block, the worst case for the search blocks.
const lines =
  process.env.CONTENT === 'random'
    ? `translate(md5(:n::text) || md5(:n::text || 'x'), '0123456789abcdef', 'абвгдеёжзийклм н')`
    : `(ARRAY['${LINES.join("','")}'])[:line] || ' #' || :n`;
const lock = beginAndLockChatsSql([1])
  .replace("'{1}'::int[]", 'ARRAY[:chat]::int[]')
  .split(';')
  .map((part) => part.trim() + ';')
  .join('\n');
const send = SEND_BATCH_SQL.replace('$1::int[], $2::int[], $3::text[], $4::text[]', `ARRAY[:chat]::int[], ARRAY[:sender]::int[], ARRAY[${lines}]::text[], ARRAY['b' || :n]::text[]`)
  .replaceAll('$1::int[]', 'ARRAY[:chat]::int[]')
  .replace('$5', '256')
  .replace(/\s+/g, ' ')
  .trim();
const head = `\\set chat random(22, 121)\n\\set sender 2 * :chat - 1 + random(0, 1)\n\\set line random(1, 8)\n\\set n random(1, 1000000000000)\n`;
const base = `${head}${lock}\n${send}\n\\gset\nCOMMIT;\n`;
fs.writeFileSync(path.join(process.argv[2], 'send.sql'), base);
if (search) {
  const build = search.BUILD_SEGMENTS_SQL.replaceAll('$1', ':chat').replaceAll('$2', 'false').replace(/\s+/g, ' ').trim();
  fs.writeFileSync(
    path.join(process.argv[2], 'send-build.sql'),
    `${base}\\if :seq % ${search.SEARCH_SEGMENT_SIZE} = 0\n${build};\n\\endif\n`,
  );
}
