#!/bin/sh
# Peak RSS (VmHWM) of `sonde run` with the embedded defaults after 45 s, its API having answered 900
# requests (300 × an instant query, a range query and /metrics). Needs ports 9733 and 8125 free.
# Usage: Benchmarks/api/peak-rss.sh [SONDE_BINARY]   (default .build/release/sonde)
set -eu
bin=${1:-.build/release/sonde}
work=$(mktemp -d /tmp/sonde-rss.XXXXXX)
$bin run --data-dir $work/data > $work/log 2>&1 & P=$!
sleep 3
for i in $(seq 1 300); do
  curl -s -o /dev/null 'http://127.0.0.1:9733/api/v1/query?query=node_load1'
  curl -s -o /dev/null "http://127.0.0.1:9733/api/v1/query_range?query=rate(node_cpu_seconds_total%5B1m%5D)&start=$(($(date +%s)-600))&end=$(date +%s)&step=5"
  curl -s -o /dev/null http://127.0.0.1:9733/metrics
done
sleep $((45 - $(ps -o etimes= -p $P)))
grep VmHWM /proc/$P/status
kill $P; wait $P || true
rm -rf "$work"
