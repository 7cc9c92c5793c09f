#!/usr/bin/env bash
# CPU of live tailing: the agent with only the Gunicorn collector follows a log that a writer appends
# RATE lines/s to; prints the agent's CPU share of one core over SECONDS, its peak RSS, and checks
# that every written line was stored.
#
# Usage: Benchmarks/logtail/tail-cpu.sh [SONDE_BIN] [RATE] [SECONDS]
#        (defaults: .build/release/sonde 5000 60)
set -euo pipefail
SONDE=$(realpath "${1:-.build/release/sonde}")
RATE=${2:-5000}
SECONDS_MEASURED=${3:-60}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK=$(mktemp -d /tmp/sonde-tailcpu.XXXXXX)
trap 'kill $AGENT 2>/dev/null || true; rm -rf "$WORK"' EXIT
cat >"$WORK/sonde.yaml" <<YAML
storage: {max_bytes: 256MiB}
collectors:
  host: {enabled: false}
  process: {enabled: false}
  systemd: {enabled: false}
  statsd: {enabled: false}
  gunicorn:
    - app: bench
      access_log: $WORK/app.log
      format: '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'
YAML
touch "$WORK/app.log"
"$SONDE" run --config "$WORK/sonde.yaml" --data-dir "$WORK/data" 2>"$WORK/agent.log" &
AGENT=$!
sleep 3
python3 "$HERE/write-access-log.py" "$WORK/app.log" "$RATE" $((SECONDS_MEASURED + 15)) >"$WORK/written" &
WRITER=$!
sleep 10
ticks0=$(awk '{print $14+$15}' /proc/$AGENT/stat); t0=$(date +%s.%N)
sleep "$SECONDS_MEASURED"
ticks1=$(awk '{print $14+$15}' /proc/$AGENT/stat); t1=$(date +%s.%N)
wait $WRITER
sleep 3
hwm=$(awk '/VmHWM/ {print $2, $3}' /proc/$AGENT/status)
kill -TERM $AGENT; wait $AGENT || true
echo "rate: $RATE lines/s, written: $(cat "$WORK/written") lines"
echo "agent CPU: $(echo "($ticks1 - $ticks0) / $(getconf CLK_TCK) / ($t1 - $t0) * 100" | bc -l | cut -c1-5) % of one core over $(echo "$t1 - $t0" | bc | cut -c1-5) s; VmHWM $hwm"
echo "checkpoint: $(stat -c %s "$WORK"/data/logs/*.checkpoint) bytes"
"$SONDE" query --data-dir "$WORK/data" gunicorn_requests_total --start now-1h --format csv | python3 -c '
import sys
last = {}
for row in sys.stdin.read().splitlines()[1:]:
    series, _, value = row.rsplit(",", 2)
    last[series] = float(value)
print("stored requests:", int(sum(last.values())))'
