#!/usr/bin/env bash
# How long one scrape of everything takes against a local PostgreSQL 15 (Debian's): a throwaway
# cluster on a free port with pgbench's tables and pg_stat_statements, the agent scraping it every
# second for SECONDS, then its peak RSS and the stored sonde_postgres_scrape_duration_seconds
# summarised.
#
# Usage: Benchmarks/postgres/scrape-time.sh [SONDE_BIN] [SECONDS]   (defaults: .build/release/sonde 60)
# Runs PostgreSQL as user postgres when started as root.
set -euo pipefail
SONDE=$(realpath "${1:-.build/release/sonde}")
SECONDS_RUN=${2:-60}
BIN=/usr/lib/postgresql/15/bin
WORK=$(mktemp -d /tmp/sonde-pgscrape.XXXXXX)
AS=()
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$WORK"; AS=(runuser -u postgres --); fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { "${AS[@]}" "$BIN/pg_ctl" -D "$WORK/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
"${AS[@]}" "$BIN/initdb" -D "$WORK/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
cat >>"$WORK/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$WORK'
shared_preload_libraries = 'pg_stat_statements'
CONF
"${AS[@]}" "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w start >/dev/null
PSQL=("${AS[@]}" psql -X -q -h "$WORK" -p "$PORT" -U postgres)
"${PSQL[@]}" -c "CREATE ROLE sonde LOGIN PASSWORD 'bench' IN ROLE pg_monitor"
"${PSQL[@]}" -c "CREATE DATABASE app"
"${PSQL[@]}" -d app -c "CREATE EXTENSION pg_stat_statements"
"${AS[@]}" pgbench -q -i -s 10 -h "$WORK" -p "$PORT" -U postgres app >/dev/null 2>&1
"${AS[@]}" pgbench -c 2 -T 5 -n -h "$WORK" -p "$PORT" -U postgres app >/dev/null 2>&1
mkdir -p "$WORK/agent"
cat >"$WORK/agent/sonde.yaml" <<YAML
collectors:
  host: {enabled: false}
  process: {enabled: false}
  systemd: {enabled: false}
  statsd: {enabled: false}
  postgres:
    - name: bench
      dsn: postgres://sonde:bench@127.0.0.1:$PORT/app?sslmode=disable
      interval: 1s
YAML
"$SONDE" run --config "$WORK/agent/sonde.yaml" --data-dir "$WORK/agent/data" 2>"$WORK/agent/log" &
AGENT=$!
sleep "$SECONDS_RUN"
echo "agent peak RSS: $(awk '/VmHWM/ {print $2, $3}' /proc/$AGENT/status)"
kill -TERM $AGENT; wait $AGENT || true
"$SONDE" query --data-dir "$WORK/agent/data" 'sonde_postgres_scrape_duration_seconds' --start now-1h --format csv | python3 -c '
import sys
values = sorted(float(row.rsplit(",", 1)[1]) * 1000 for row in sys.stdin.read().splitlines()[1:])
n = len(values)
print(f"scrapes: {n}; duration ms: p50 {values[n // 2]:.2f}, p90 {values[int(n * 0.9)]:.2f}, max {values[-1]:.2f} (the first one includes connecting)")'
echo "series per scrape: $("$SONDE" store stats --data-dir "$WORK/agent/data" | awk '/^budget/ {print $4}')"
