#!/usr/bin/env bash
# Records the "real host data" used for the density figures: node_exporter and
# postgres_exporter (Debian packages) scraped every second, written as OpenMetrics
# text with timestamps (the format `sonde import` and `promtool tsdb
# create-blocks-from openmetrics` both read).
#
#   Benchmarks/data/record-host-dump.sh OUT.om [SECONDS] [--fast]   (default 900 = 15 minutes)
#
# --fast scrapes back to back instead of once a second and stamps the scrapes a second apart,
# ending now: every value is what the exporters served, but the recording takes about a minute
# instead of fifteen (the real-data differential test, scripts/promql-real-data-differential.py).
#
# Runs as root: starts a throwaway PostgreSQL as user postgres on 127.0.0.1:54329
# with a light pgbench load so the postgres series move, and both exporters on
# loopback ports. Everything is stopped on exit.
set -euo pipefail
out=${1:?usage: record-host-dump.sh OUT.om [SECONDS]}
seconds=${2:-900}
pace=${3:-real}
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/sonde-dump.XXXXXX)
chown postgres "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

runuser -u postgres -- "$pgbin/initdb" -D "$work/pg" -A trust -U postgres >/dev/null
runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" \
  -o "-p 54329 -k $work -c listen_addresses=127.0.0.1" -w start >/dev/null
"$pgbin/pgbench" -h 127.0.0.1 -p 54329 -U postgres -i -s 2 postgres >/dev/null 2>&1
"$pgbin/pgbench" -h 127.0.0.1 -p 54329 -U postgres -c 2 -R 20 -T "$((seconds + 30))" postgres >/dev/null 2>&1 &
pids+=($!)

prometheus-node-exporter --web.listen-address=127.0.0.1:59100 >/dev/null 2>&1 &
pids+=($!)
DATA_SOURCE_NAME="postgresql://postgres@127.0.0.1:54329/postgres?sslmode=disable" \
  prometheus-postgres-exporter --web.listen-address=127.0.0.1:59187 >/dev/null 2>&1 &
pids+=($!)
sleep 2

python3 - "$out" "$seconds" "$pace" <<'PY'
import sys, time, urllib.request
out, seconds, fast = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "--fast"
targets = {"node": "http://127.0.0.1:59100/metrics", "postgres": "http://127.0.0.1:59187/metrics"}
start = int(time.time()) - seconds if fast else int(time.time()) + 1
with open(out, "w") as f:
    for i in range(seconds):
        tick = start + i
        if not fast:
            time.sleep(max(0.0, tick - time.time()))
        for job, url in targets.items():
            body = urllib.request.urlopen(url, timeout=0.9).read().decode()
            for line in body.splitlines():
                if not line or line.startswith("#"):
                    continue
                # Prometheus attaches job/instance to every scraped series.
                name, _, rest = line.partition("{") if "{" in line.split(" ")[0] else (line.split(" ")[0], "", " " + line.split(" ", 1)[1])
                if _:
                    labels, _, value = rest.rpartition("} ")
                    labels = f'instance="localhost",job="{job}"' + ("," + labels if labels else "")
                else:
                    labels, value = f'instance="localhost",job="{job}"', rest.strip()
                f.write(f"{name}{{{labels}}} {value.strip()} {tick}\n")
    f.write("# EOF\n")
PY
