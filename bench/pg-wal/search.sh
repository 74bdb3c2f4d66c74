#!/usr/bin/env bash
# Search p50 / p99 per word class on chat 1 (100,000 messages) of a database seeded by run.sh.
# Usage: bench/pg-wal/search.sh <port> <database> [runs=200] [compiled messages.repository.js]
set -euo pipefail
port=$1 db=$2 runs=${3:-200}
here=$(cd "$(dirname "$0")" && pwd) out=/tmp/pg-wal-search-$db
rm -rf "$out" && mkdir -p "$out" && node "$here/search.js" "$out" ${4:-}
cd "$out"
for file in search-*.sql; do
  name=${file#search-}; name=${name%.sql}
  rows=$(psql -X -At -h 127.0.0.1 -p "$port" -U postgres -d "$db" -f "$file" | wc -l)
  rm -f pgbench_log.*
  pgbench -n -c 1 -t "$runs" -f "$file" -l -h 127.0.0.1 -p "$port" -U postgres "$db" >/dev/null
  sort -n -k3 pgbench_log.* | awk -v name="$name" -v rows="$rows" '{ v[NR] = $3 } END {
    printf "%-16s rows %3d  p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms\n", name, rows, v[int(NR * 0.5)] / 1000, v[int(NR * 0.99)] / 1000, v[NR] / 1000 }'
done
