#!/bin/sh
# Requests per second of a simple /api/v1/query against a release `sonde run` with the embedded
# defaults, the agent pinned to one core (taskset -c 0) and wrk (Debian's) to the other; then the
# agent's peak RSS (VmHWM) after the load, and one /metrics answer's time over the socket.
# Usage: Benchmarks/api/wrk-query.sh [SONDE_BINARY] [SECONDS]   (defaults: .build/release/sonde, 10)
set -eu
sonde=${1:-.build/release/sonde}
seconds=${2:-10}
port=19733
work=$(mktemp -d /tmp/sonde-wrk.XXXXXX)
printf "api: {listen: '127.0.0.1:%s'}\n" "$port" > "$work/sonde.yaml"
taskset -c 0 "$sonde" run --config "$work/sonde.yaml" --data-dir "$work/data" 2> "$work/log" &
agent=$!
trap 'kill $agent 2>/dev/null; wait $agent 2>/dev/null; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
# Ready, and the first host samples stored (the collectors run every 10 s).
for _ in $(seq 1 300); do
    if curl -sf "$base/api/v1/query?query=node_load1" | grep -q '"node_load1"'; then break; fi
    sleep 0.1
done
curl -sf "$base/api/v1/query?query=node_load1" | grep -q '"node_load1"' || { echo "the agent never stored node_load1:"; cat "$work/log"; exit 1; }
echo "--- wrk: 1 thread, 8 connections, ${seconds}s, GET /api/v1/query?query=node_load1 (agent on core 0, wrk on core 1)"
taskset -c 1 wrk -t1 -c8 -d"${seconds}s" --latency "$base/api/v1/query?query=node_load1"
echo "--- wrk: the same for /api/v1/query?query=sum(rate(node_cpu_seconds_total[1m]))"
taskset -c 1 wrk -t1 -c8 -d"${seconds}s" "$base/api/v1/query?query=sum(rate(node_cpu_seconds_total%5B1m%5D))"
echo "--- /metrics over the socket (5 answers):"
for _ in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}s %{size_download} bytes\n' "$base/metrics"; done
echo "--- agent after the load:"
grep -E 'VmHWM|VmRSS|Threads' "/proc/$agent/status"
