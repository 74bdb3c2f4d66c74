#!/usr/bin/env bash
# docs/perf-messages-write.md, "Method": WAL bytes and PostgreSQL time per sent message, on a
# private cluster. Usage (after `npm run build && npx tsc -p bench/tsconfig.json`):
#   bench/pg-wal/run.sh <port> <database> before|after [transactions=2000]
# `before`: migrated up to MessagesWriteCost (the per-message trigram index), seeded; sends only.
# `after`: the same seed, then MessageSearchSegments (which builds the blocks of the seeded
# messages), VACUUM ANALYZE; sends, each followed by the block build when it completes one.
# The cluster must run with autovacuum = off, checkpoint_timeout = 1h, pg_stat_statements loaded.
set -euo pipefail
port=$1 db=$2 mode=$3 tx=${4:-2000}
here=$(cd "$(dirname "$0")" && pwd) root=$(cd "$here/../.." && pwd) out=/tmp/pg-wal-$db
url=postgres://postgres@127.0.0.1:$port/$db
q() { psql -X -q -At -h 127.0.0.1 -p "$port" -U postgres -d "$db" -v ON_ERROR_STOP=1 "$@"; }
mkdir -p "$out" && node "$here/scripts.js" "$out"
if [ "${SKIP_SETUP:-}" != 1 ]; then
  psql -X -q -h 127.0.0.1 -p "$port" -U postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  (cd "$root" && DATABASE_URL=$url npx typeorm -d dist/ormconfig.js migration:run >/dev/null)
  (cd "$root" && DATABASE_URL=$url npx typeorm -d dist/ormconfig.js migration:revert >/dev/null)
  content=$(cd "$root" && node -e 'console.log(require("./dist/bench/lib/bulk.js").CONTENT_SQL)')
  q -v content="$content" -f "$here/seed.sql"
  if [ "$mode" = after ]; then
    start=$(date +%s.%N)
    (cd "$root" && DATABASE_URL=$url npx typeorm -d dist/ormconfig.js migration:run >/dev/null)
    echo "migration (blocks of $(q -c 'SELECT count(*) FROM messages') messages): $(echo "$(date +%s.%N) - $start" | bc) s"
  fi
  q -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' -c 'VACUUM ANALYZE' -c CHECKPOINT
fi
script=$out/send.sql
[ "$mode" = after ] && script=$out/send-build.sql
pgbench -n -M prepared -c 1 -t 300 -f "$script" -h 127.0.0.1 -p "$port" -U postgres "$db" >/dev/null
q -c 'SELECT pg_stat_statements_reset()' >/dev/null
from=$(q -c 'SELECT pg_current_wal_lsn()')
pgbench -n -M prepared -c 1 -t "$tx" -f "$script" -h 127.0.0.1 -p "$port" -U postgres "$db" | grep -E 'latency average|tps'
to=$(q -c 'SELECT pg_current_wal_lsn()')
echo "WAL bytes / message: $(q -c "SELECT round(pg_wal_lsn_diff('$to', '$from') / $tx)")"
datadir=$(q -c 'SHOW data_directory')
/usr/lib/postgresql/15/bin/pg_waldump --stats=record -p "$datadir/pg_wal" -s "$from" -e "$to" 2>/dev/null |
  awk -v n="$tx" 'NR > 4 && $1 != "" { gsub(/\([^)]*\)/, ""); printf "  %-26s %6.2f rec/msg %6.0f B/msg (+ FPI %5.0f)\n", $1, $2 / n, $3 / n, $4 / n }' |
  sort -k4 -g -r | head -14 || true
q -F ' | ' -c "SELECT calls, round(mean_exec_time::numeric * 1000) AS mean_us, round(max_exec_time::numeric * 1000) AS max_us,
                  round(shared_blks_hit::numeric / calls, 1) AS hit, round(shared_blks_dirtied::numeric / calls, 2) AS dirtied,
                  round(wal_bytes / calls) AS wal_b, left(regexp_replace(query, '\s+', ' ', 'g'), 50)
             FROM pg_stat_statements WHERE calls >= 10 AND (query ILIKE '%INSERT INTO messages%' OR query ILIKE '%message_search_segments%')
             ORDER BY total_exec_time DESC"
echo "sizes:"; q -F ' | ' -c "SELECT relname, pg_size_pretty(pg_relation_size(oid)) FROM pg_class
             WHERE relname IN ('messages', 'messages_chat_content_trgm_idx', 'message_search_segments',
                               'message_search_segments_trgm_idx', 'message_search_segments_pkey')
                OR oid = (SELECT reltoastrelid FROM pg_class WHERE relname = 'message_search_segments') ORDER BY 1"
