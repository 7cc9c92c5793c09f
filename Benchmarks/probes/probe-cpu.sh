#!/usr/bin/env bash
# CPU of HTTP probes: the agent with only probes configured checks TARGETS targets every INTERVAL
# against a local HTTP server (a fresh connection and DNS lookup per check, as probes do); prints
# the agent's CPU share of one core over SECONDS (utime+stime from /proc/PID/stat), its peak RSS,
# and how many probes succeeded in the last round.
#
# Usage: Benchmarks/probes/probe-cpu.sh [SONDE_BIN] [TARGETS] [INTERVAL] [SECONDS]
#        (defaults: .build/release/sonde 100 10s 60)
set -euo pipefail
SONDE=$(realpath "${1:-.build/release/sonde}")
TARGETS=${2:-100}
INTERVAL=${3:-10s}
SECONDS_MEASURED=${4:-60}
WORK=$(mktemp -d /tmp/sonde-probecpu.XXXXXX)
trap 'kill $AGENT $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT

# The target: a threaded HTTP/1.1 server on 127.0.0.1 answering /health/N with a small JSON body.
python3 -u - >"$WORK/port" <<'PY' &
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def do_GET(self):
        body = b'{"status": "ok", "checks": {"db": "ok", "cache": "ok"}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
ThreadingHTTPServer.request_queue_size = 512
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
PY
SERVER=$!
for _ in $(seq 50); do [ -s "$WORK/port" ] && break; sleep 0.1; done
PORT=$(head -1 "$WORK/port")

{
  echo "storage: {max_bytes: 64MiB}"
  echo "collectors:"
  echo "  host: {enabled: false}"
  echo "  process: {enabled: false}"
  echo "  systemd: {enabled: false}"
  echo "  statsd: {enabled: false}"
  echo "  probes:"
  for i in $(seq 1 "$TARGETS"); do
    echo "    - {name: p$i, url: 'http://127.0.0.1:$PORT/health/$i', interval: $INTERVAL, body_must_match: ['\"status\": *\"ok\"']}"
  done
} >"$WORK/sonde.yaml"

"$SONDE" run --config "$WORK/sonde.yaml" --data-dir "$WORK/data" 2>"$WORK/agent.log" &
AGENT=$!
sleep 15   # startup and the first rounds
HZ=$(getconf CLK_TCK)
ticks0=$(awk '{print $14+$15}' /proc/$AGENT/stat); t0=$(date +%s.%N)
sleep "$SECONDS_MEASURED"
ticks1=$(awk '{print $14+$15}' /proc/$AGENT/stat); t1=$(date +%s.%N)
hwm=$(awk '/VmHWM/ {print $2, $3}' /proc/$AGENT/status)
ok=$("$SONDE" query 'probe_success' --data-dir "$WORK/data" --start now-10s 2>/dev/null | grep -c ' 1$' || true)
kill -TERM $AGENT; wait $AGENT || true
awk -v a="$ticks0" -v b="$ticks1" -v s="$t0" -v e="$t1" -v hz="$HZ" -v n="$TARGETS" -v i="$INTERVAL" -v h="$hwm" \
  'BEGIN { cpu = (b - a) / hz; printf "%d probes every %s: %.2f s CPU in %.1f s = %.2f%% of one core, VmHWM %s\n", n, i, cpu, e - s, 100 * cpu / (e - s), h }'
echo "successful checks stored in the last 10 s (one round): $ok of $TARGETS"
