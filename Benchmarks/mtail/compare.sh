#!/usr/bin/env bash
# Side-by-side, single-core throughput of mtail vs sonde on a Gunicorn access log.
#
# Usage: Benchmarks/mtail/compare.sh [LINES] [SONDE_BIN]
#
#   LINES      number of log lines to generate/parse (default 2000000)
#   SONDE_BIN  optional path to a sonde binary; if given and the file exists,
#              `$SONDE_BIN logs import --data-dir DIR/store --app bench LOG`
#              is timed the same way (fresh store each run).
#
# Environment:
#   RUNS=3                                        runs per tool; median reported
#   BENCH_DIR=${TMPDIR:-/tmp}/sonde-mtail-bench   work dir (generated log cached here)
#   CPU=0                                         core to pin to (taskset -c $CPU)
#   MTAIL=mtail                                   mtail binary
#
# Both tools are pinned to one core with taskset (Go sets GOMAXPROCS from the
# affinity mask, so mtail runs with GOMAXPROCS=1). The log is read once
# beforehand so it is in the page cache for every run. Wall time is taken
# with bash's EPOCHREALTIME; CPU (user+sys) and max RSS from /usr/bin/time -v.
set -euo pipefail

LINES="${1:-2000000}"
SONDE_BIN="${2:-}"
RUNS="${RUNS:-3}"
CPU="${CPU:-0}"
MTAIL="${MTAIL:-mtail}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_DIR="${BENCH_DIR:-${TMPDIR:-/tmp}/sonde-mtail-bench}"
LOG="$BENCH_DIR/gunicorn-access-$LINES.log"
PROG="$HERE/gunicorn.mtail"
# The format the generated log is written in: Gunicorn's default plus %(L)s.
FORMAT='%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s'

mkdir -p "$BENCH_DIR"

[[ -x /usr/bin/time ]] || { echo "error: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
command -v taskset >/dev/null || { echo "error: taskset missing (util-linux)" >&2; exit 1; }
command -v "$MTAIL" >/dev/null || { echo "error: $MTAIL not found" >&2; exit 1; }

if [[ ! -s "$LOG" ]]; then
  echo "generating $LINES lines -> $LOG"
  python3 "$HERE/generate-access-log.py" "$LOG.tmp" "$LINES"
  mv "$LOG.tmp" "$LOG"
fi
actual_lines=$(wc -l <"$LOG")
if [[ "$actual_lines" -ne "$LINES" ]]; then
  echo "error: $LOG has $actual_lines lines, expected $LINES" >&2
  exit 1
fi
cat "$LOG" >/dev/null   # warm the page cache

echo "== machine"
echo "nproc: $(nproc)"
lscpu | grep 'Model name' | sed 's/^ */  /'
echo "mtail: $("$MTAIL" --version 2>&1 | head -1)"
echo "log:   $LOG ($LINES lines, $(du -h "$LOG" | cut -f1))"
echo "runs:  $RUNS per tool, pinned with taskset -c $CPU"
echo

# timed TIMEFILE CMD... : run CMD under /usr/bin/time -v; wall seconds -> TIMEFILE.wall
timed() {
  local tf="$1"; shift
  local t0 t1 rc=0
  t0="$EPOCHREALTIME"
  /usr/bin/time -v -o "$tf" "$@" || rc=$?
  t1="$EPOCHREALTIME"
  python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.6f}")' "$t0" "$t1" >"$tf.wall"
  return "$rc"
}

# report_run TOOL RUN TIMEFILE RESULTS: print one run, append "wall user sys rss_kb" to RESULTS.
report_run() {
  python3 - "$@" "$LINES" <<'PY'
import sys, re
tool, run, tf, results, n = sys.argv[1:]
n = int(n)
t = open(tf).read()
def field(name):
    return re.search(r"^\s*" + re.escape(name) + r":\s*(.+)$", t, re.M).group(1).strip()
wall = float(open(tf + ".wall").read())
user, sys_ = float(field("User time (seconds)")), float(field("System time (seconds)"))
rss = int(field("Maximum resident set size (kbytes)"))
with open(results, "a") as f:
    f.write(f"{wall} {user} {sys_} {rss}\n")
cpu = max(user + sys_, 1e-6)
print(f"{tool} run {run}: wall {wall:.2f}s  cpu {cpu:.2f}s (user {user:.2f} + sys {sys_:.2f})"
      f"  maxrss {rss/1024:.0f} MiB  -> {n/max(wall,1e-6):,.0f} lines/s wall, {n/cpu:,.0f} lines/s cpu")
PY
}

# summarize TOOL RESULTS
summarize() {
  python3 - "$1" "$2" "$LINES" <<'PY'
import sys, statistics
tool, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = [list(map(float, l.split())) for l in open(path) if l.strip()]
walls = [max(r[0], 1e-6) for r in rows]
cpus = [max(r[1] + r[2], 1e-6) for r in rows]
mw, mc = statistics.median(walls), statistics.median(cpus)
print(f"{tool} MEDIAN: wall {mw:.2f}s  cpu {mc:.2f}s  -> {n/mw:,.0f} lines/s wall,"
      f" {n/mc:,.0f} lines/s cpu  (wall lines/s per run: {', '.join(f'{n/w:,.0f}' for w in walls)})")
PY
}

# ---------------------------------------------------------------- mtail
# --port 0 / --address 127.0.0.1: one-shot mode still starts the HTTP
# listener (default :3903); an ephemeral loopback port avoids clashing with a
# running mtail. --logtostderr: otherwise glog writes /tmp/mtail.* files.
MTAIL_CMD=(taskset -c "$CPU" "$MTAIL" --one_shot --one_shot_format=prometheus
  --port 0 --address 127.0.0.1 --logtostderr
  --progs "$PROG" --logs "$LOG")
echo "== mtail"
echo "command: ${MTAIL_CMD[*]}"
mtail_results="$BENCH_DIR/mtail-results.txt"
: >"$mtail_results"
for run in $(seq 1 "$RUNS"); do
  out="$BENCH_DIR/mtail-out.$run.prom"
  timed "$BENCH_DIR/mtail-time.$run" "${MTAIL_CMD[@]}" >"$out" 2>"$BENCH_DIR/mtail-stderr.$run"
  report_run mtail "$run" "$BENCH_DIR/mtail-time.$run" "$mtail_results"
  # Sanity: every line parsed and counted exactly once.
  python3 - "$out" "$LINES" <<'PY'
import sys, re
text, n = open(sys.argv[1]).read(), int(sys.argv[2])
def total(name):
    return sum(float(m.group(1)) for m in
               re.finditer(r"^" + name + r"(?:\{[^}]*\})? (\S+)", text, re.M))
req = total("gunicorn_requests_total")
bad = total("gunicorn_unparsed_lines_total")
hist = total("gunicorn_request_duration_seconds_count")
ok = req == n and bad == 0 and hist == n
print(f"  sanity: requests_total={req:.0f} unparsed={bad:.0f} duration_count={hist:.0f}"
      f" expected={n} -> {'OK' if ok else 'MISMATCH'}")
sys.exit(0 if ok else 1)
PY
  if grep -q 'Runtime error' "$BENCH_DIR/mtail-stderr.$run"; then
    echo "  warning: mtail reported runtime errors, see $BENCH_DIR/mtail-stderr.$run"
  fi
done
summarize mtail "$mtail_results"
echo

# ---------------------------------------------------------------- sonde
if [[ -n "$SONDE_BIN" ]]; then
  if [[ ! -x "$SONDE_BIN" ]]; then
    echo "== sonde: $SONDE_BIN not found or not executable, skipping"
    exit 0
  fi
  STORE="$BENCH_DIR/store"
  SONDE_CMD=(taskset -c "$CPU" "$SONDE_BIN" logs import --data-dir "$STORE" --app bench --format "$FORMAT" "$LOG")
  echo "== sonde"
  echo "command: ${SONDE_CMD[*]}"
  sonde_results="$BENCH_DIR/sonde-results.txt"
  : >"$sonde_results"
  for run in $(seq 1 "$RUNS"); do
    rm -rf "$STORE"   # fresh store each run
    if ! timed "$BENCH_DIR/sonde-time.$run" "${SONDE_CMD[@]}" \
        >"$BENCH_DIR/sonde-out.$run" 2>"$BENCH_DIR/sonde-stderr.$run"; then
      echo "sonde run $run failed; last stderr lines:"
      tail -20 "$BENCH_DIR/sonde-stderr.$run"
      exit 1
    fi
    report_run sonde "$run" "$BENCH_DIR/sonde-time.$run" "$sonde_results"
    if [[ -s "$BENCH_DIR/sonde-out.$run" ]]; then
      tail -3 "$BENCH_DIR/sonde-out.$run" | sed 's/^/  sonde: /'
    fi
  done
  summarize sonde "$sonde_results"
fi
