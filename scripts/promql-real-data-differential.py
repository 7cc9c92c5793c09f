#!/usr/bin/env python3
"""Differential check on real host data: sonde's HTTP API against a Prometheus 2.42 server.

Usage: scripts/promql-real-data-differential.py DUMP.om WORKDIR   (SONDE=path/to/sonde)

DUMP.om is a recording of node_exporter and postgres_exporter scraped at 1 s
(Benchmarks/data/record-host-dump.sh). The script lays it out in time so that every panel has data:
  - the recording's scrapes, a second apart, as the last part, ending at END (now, rounded down
    to 10 minutes);
  - before it, back to END - 7 days - 1 hour, the same scrapes replayed once a minute, for the
    metric names the queries use (counters restart at each replay, as after a process restart).
It imports that file into a fresh sonde store (`sonde import`) and into Prometheus blocks
(`promtool tsdb create-blocks-from openmetrics`), starts `sonde run` (collectors off) and
`prometheus` on loopback ports, and sends both the same instant queries and the range queries a
Grafana panel 1,000 points wide sends for 15 minutes, 6 hours, 24 hours and 7 days (steps 1s, 20s,
1m and 10m; Grafana rounds range/points to those), and the 15 minutes also at 15s and 1m; aligned
to the step as Grafana aligns them.

It compares the JSON answers: the same series (label sets), the same timestamps, and values equal
or within 1e-9 relative (Prometheus adds group members in its own series order; sonde's order may
differ in the last bits); for sort, sort_desc and topk the order too. Prints each real difference
and a summary; exit status 1 when there is one.
"""
import json, math, os, re, signal, socket, subprocess, sys, time, urllib.parse, urllib.request

SONDE = os.environ.get("SONDE", ".build/debug/sonde")
DAY = 86400

# What operators paste: Node Exporter Full's panels, postgres_exporter's dashboard, rules from the
# ecosystem, and the forms issue 16 added (subqueries, @, the whole function table).
QUERIES = [
    'node_load1',
    'node_load5',
    'rate(node_cpu_seconds_total{mode="user"}[1m])',
    'sum by (mode) (rate(node_cpu_seconds_total[5m]))',
    '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[2m])))',
    'sum by (instance) (irate(node_cpu_seconds_total{mode!="idle"}[5m])) / on(instance) group_left count by (instance) (node_cpu_seconds_total{mode="idle"})',
    'node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes',
    '(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100',
    'rate(node_network_receive_bytes_total[1m]) * 8',
    'irate(node_network_transmit_packets_total[5m])',
    'rate(node_disk_io_time_seconds_total[5m])',
    'rate(node_disk_read_bytes_total[2m]) + rate(node_disk_written_bytes_total[2m])',
    '1 - node_filesystem_avail_bytes{fstype!="tmpfs"} / node_filesystem_size_bytes{fstype!="tmpfs"}',
    'predict_linear(node_filesystem_avail_bytes{fstype!="tmpfs"}[1h], 4 * 3600)',
    'increase(node_context_switches_total[5m])',
    'deriv(node_memory_MemFree_bytes[5m])',
    'delta(node_memory_Cached_bytes[10m])',
    'avg_over_time(node_load1[10m])',
    'quantile_over_time(0.9, node_load1[10m])',
    'stddev_over_time(node_memory_MemFree_bytes[10m])',
    'changes(node_load1[5m])',
    'resets(node_cpu_seconds_total{mode="system"}[15m])',
    'holt_winters(node_load1[10m], 0.5, 0.5)',
    'max_over_time(rate(node_cpu_seconds_total{mode="user"}[1m])[5m:30s])',
    'avg_over_time(sum(rate(node_network_receive_bytes_total[1m]))[10m:])',
    'min_over_time(node_load1[30m:1m] offset 5m)',
    'node_load1 @ end()',
    'rate(node_cpu_seconds_total{mode="user"}[5m] @ start())',
    'topk(3, rate(node_network_transmit_bytes_total[5m]))',
    'sort_desc(node_memory_MemFree_bytes + node_memory_Cached_bytes)',
    'quantile by (mode) (0.5, rate(node_cpu_seconds_total[5m]))',
    'stddev by (mode) (rate(node_cpu_seconds_total[5m]))',
    'count_values("cores", count by (instance) (node_cpu_seconds_total{mode="idle"}))',
    'group by (device) (node_network_receive_bytes_total)',
    'clamp(node_load1, 0.05, 0.5)',
    'sqrt(node_load5) + ln(node_memory_MemTotal_bytes) - log2(node_memory_MemFree_bytes)',
    'label_join(node_load1, "where", "/", "instance", "job")',
    'label_replace(rate(node_cpu_seconds_total{mode="user"}[1m]), "core", "c$1", "cpu", "(.*)")',
    'timestamp(node_load1)',
    'hour(timestamp(node_load1)) * 60 + minute(timestamp(node_load1))',
    'absent(node_no_such_metric)',
    'node_load1 > bool 0.5',
    'rate(pg_stat_database_xact_commit{datname="postgres"}[1m])',
    'sum(rate(pg_stat_database_tup_fetched[5m]))',
    'pg_stat_database_numbackends',
    'sum by (datname) (rate(pg_stat_database_blks_hit[5m])) / (sum by (datname) (rate(pg_stat_database_blks_hit[5m])) + sum by (datname) (rate(pg_stat_database_blks_read[5m])))',
    'pg_database_size_bytes / 1024 / 1024',
    'pg_up',
    # Grafana's $__rate_interval and $__range render as compound durations.
    'sum by (mode) (irate(node_cpu_seconds_total[1m15s]))', 'avg_over_time(node_load1[1h0m0s])',
    # Literals as Prometheus reads them (hex, octal, exponents, Inf and NaN), strings, division by
    # zero, offsets in both directions, and what a range query refuses.
    '0x1F + 017 + 1e3 + .5 + 5. - 2E-3',
    'Inf', '-Inf', 'NaN', '1 / 0 + -1 / 0', '0 / 0',
    '"a string"',
    'rate(node_cpu_seconds_total{mode="user"}[5m] offset -5m)',
    'node_load1 offset 1h',
    'scalar(node_load1) * 2 + time()',
    'vector(time()) - on() group_left timestamp(node_load1)',
    'node_cpu_seconds_total[5m]',
]

# What Prometheus refuses, and with which words: typos and misuses people paste.
REFUSED = [
    'sum(node_load1', 'rate(node_load1)', 'node_load1[5m5m]', 'node_load1[1.5m]', 'node_load1 offset 0', 'node_load1{',
    'sum by (job) node_load1', 'node_load1 @ foo', 'rate(node_load1[5m:1m:1m])', '1 +', 'topk(node_load1)',
    'node_load1 and 1', 'label_replace(node_load1, "1a", "", "", "")', 'nosuchfunction(node_load1)', 'node_load1[5m] + 1',
    'rate(node_load1[0s])', 'node_load1 offset 5m offset 1m', 'count_values(1, node_load1)', 'holt_winters(node_load1[5m], 2, 0.5)',
    '{}', '{job=~".*"}', 'node_load1[5m] @ end() offset 1m @ 0',    'sum(node_load1) by', 'node_load1{job=}', 'node_load1{job="a"', 'rate(node_load1[5m]', 'node_load1[5m', 'node_load1[]', 'node_load1[5]',
    'node_load1 offset', 'node_load1 == bool', 'rate(node_load1[5m], 1)', 'round()', 'quantile(0.5)', 'node_load1 > on', '"unterminated',
    "'a' + 1", 'node_load1 @ start', '(node_load1)[5m]', 'sum without (a b) (node_load1)', 'label_join(node_load1)',
    'node_load1 + on(instance) node_load5[5m]', 'abs(1)', 'vector("a")', 'time(1)', 'histogram_quantile(0.9)', 'node_load1 offset 5m[5m]',
    'max_over_time(node_load1)', 'sum(node_load1) keep_common', '1 and 2', 'node_load1 unless 1', 'scalar(node_load1[5m])', '0x', '1e', '.',
    'node_load1 @ 1 @ 2', 'count_values("a b", node_load1)', 'sum(,)', 'node_load1{job~"a"}', 'node_load1{=~"a"}',
]

# Times at the ends of int64 milliseconds, where Go's arithmetic wraps around: empty answers, the
# same on both sides (sonde once trapped on them).
EDGES = [
    'node_load1 @ -9223372036854775', 'rate(node_load1[5m] @ 9223372036854775)',
    'max_over_time(node_load1[1m:10s] @ -9223372036854775)', 'count_over_time(node_load1[1m:10s] @ 9223372036854775.807)',
    'node_load1 offset -292y',
]

# Grafana's step for a panel 1,000 points wide: range / 1000 rounded by its roundInterval. A
# 15-minute panel also at 15 s (the Prometheus data source's default minimum) and 1 m (a narrow
# panel), the steps at which sonde once answered from its 1-minute rollup.
PANELS = [("15m", 900, 1), ("15m", 900, 15), ("15m", 900, 60), ("6h", 6 * 3600, 20), ("24h", DAY, 60), ("7d", 7 * DAY, 600)]


def read_scrapes(path):
    """The recording's lines grouped by timestamp, in time order: [(timestamp, [(series, value)])]."""
    scrapes = {}
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            series_and_value, _, stamp = line.rstrip("\n").rpartition(" ")
            series, _, value = series_and_value.rpartition(" ")
            scrapes.setdefault(int(float(stamp)), []).append((series, value))
    return [scrapes[t] for t in sorted(scrapes)]


def metric_name(series):
    return series.split("{", 1)[0]


def write_layout(scrapes, out, end):
    """History once a minute for the names the queries use, then the recording at 1 s ending at END."""
    used = set(re.findall(r"\b((?:node|pg)_[a-zA-Z0-9_]+)", " ".join(QUERIES)))
    dense_start = end - len(scrapes) + 1
    history_start = end - 7 * DAY - 3600
    lines = 0
    with open(out, "w") as f:
        for k, stamp in enumerate(range(history_start, dense_start, 60)):
            for series, value in scrapes[k % len(scrapes)]:
                if metric_name(series) in used:
                    f.write(f"{series} {value} {stamp}\n")
                    lines += 1
        for i, scrape in enumerate(scrapes):
            for series, value in scrape:
                f.write(f"{series} {value} {dense_start + i}\n")
                lines += 1
        f.write("# EOF\n")
    return lines


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(command, **kwargs):
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return time.monotonic() - started, result.stdout


def wait_ready(url, process, name):
    for _ in range(600):
        if process.poll() is not None:
            sys.exit(f"{name} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url + "/-/ready", timeout=1).read()
            return
        except Exception:
            time.sleep(0.1)
    sys.exit(f"{name} not ready at {url}")


def ask(base, path, params):
    url = base + path + "?" + urllib.parse.urlencode(params)
    try:
        body = urllib.request.urlopen(url, timeout=120).read()
    except urllib.error.HTTPError as error:
        body = error.read()
    answer = json.loads(body)
    if answer.get("status") != "success":
        return ("error", answer.get("errorType"), answer.get("error"))
    return answer["data"]


def same_value(a, b):
    x, y = float(a), float(b)
    if math.isnan(x) or math.isnan(y):
        return ("exact" if math.isnan(x) and math.isnan(y) else None)
    if x == y:
        return "exact"
    return "noise" if abs(x - y) <= 1e-9 * max(abs(x), abs(y)) else None


def compare(name, ours, theirs, ordered, tally):
    """Appends what differs to tally['real']; counts compared points."""
    def fail(why):
        tally["real"].append(f"{name}: {why}")
    if isinstance(ours, tuple) or isinstance(theirs, tuple):
        if isinstance(ours, tuple) and isinstance(theirs, tuple):
            if ours != theirs:
                fail(f"both refuse, sonde with {ours}, prometheus with {theirs}")
            else:
                tally["errors"].append(f"{name}: {theirs[2]}")
        else:
            fail(f"sonde {ours if isinstance(ours, tuple) else 'succeeds'}, prometheus {theirs if isinstance(theirs, tuple) else 'succeeds'}")
        return
    if ours["resultType"] != theirs["resultType"]:
        return fail(f"result type {ours['resultType']} vs {theirs['resultType']}")
    if ours["resultType"] == "string":
        if ours["result"] != theirs["result"]:
            fail(f"string {ours['result']} vs {theirs['result']}")
        return
    if ours["resultType"] == "scalar":
        ours["result"], theirs["result"] = [{"metric": {}, "value": ours["result"]}], [{"metric": {}, "value": theirs["result"]}]
    def key(entry):
        return tuple(sorted(entry["metric"].items()))
    a, b = ours["result"], theirs["result"]
    if ordered and [key(e) for e in a] != [key(e) for e in b]:
        return fail(f"order {[dict(key(e)) for e in a]} vs {[dict(key(e)) for e in b]}")
    if not b:
        tally["empty"] += 1
        tally["empty names"].append(name)
    mine, reference = {key(e): e for e in a}, {key(e): e for e in b}
    if set(mine) != set(reference):
        only_ours = [dict(k) for k in set(mine) - set(reference)][:3]
        only_theirs = [dict(k) for k in set(reference) - set(mine)][:3]
        return fail(f"series differ: only sonde {only_ours}, only prometheus {only_theirs} ({len(mine)} vs {len(reference)})")
    for labels, entry in reference.items():
        points = entry.get("values") or [entry["value"]]
        ours_points = mine[labels].get("values") or [mine[labels]["value"]]
        if [p[0] for p in points] != [p[0] for p in ours_points]:
            stamps = sorted(set(p[0] for p in points) ^ set(p[0] for p in ours_points))[:5]
            return fail(f"{dict(labels)}: timestamps differ ({len(ours_points)} vs {len(points)} points; first differing {stamps})")
        for (stamp, theirs_value), (_, ours_value) in zip(points, ours_points):
            verdict = same_value(ours_value, theirs_value)
            if verdict is None:
                return fail(f"{dict(labels)} at {stamp}: sonde {ours_value}, prometheus {theirs_value}")
            tally[verdict] += 1


def main():
    dump, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    end = int(time.time()) // 600 * 600
    layout = os.path.join(work, "layout.om")
    started = time.monotonic()
    lines = write_layout(read_scrapes(dump), layout, end)
    print(f"layout: {lines} samples ending at {end} ({time.monotonic() - started:.1f} s)")

    sonde_data, prometheus_data = os.path.join(work, "sonde-data"), os.path.join(work, "prometheus-data")
    seconds, _ = run([SONDE, "import", "--data-dir", sonde_data, "--max-bytes", "2GiB", layout])
    print(f"sonde import: {seconds:.1f} s")
    # Blocks as long as promtool makes them (162 h): it reads the input once per block.
    seconds, _ = run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=200h", layout, prometheus_data])
    print(f"promtool create-blocks-from openmetrics: {seconds:.1f} s")

    sonde_port, prometheus_port = free_port(), free_port()
    config = os.path.join(work, "sonde.yaml")
    with open(config, "w") as f:
        f.write(f"storage: {{max_bytes: 2GiB}}\napi: {{listen: '127.0.0.1:{sonde_port}'}}\n"
                "collectors: {host: {enabled: false}, process: {enabled: false}, statsd: {enabled: false}, systemd: {enabled: false}}\n")
    prometheus_config = os.path.join(work, "prometheus.yml")
    with open(prometheus_config, "w") as f:
        f.write("global: {}\n")
    logs = open(os.path.join(work, "servers.log"), "w")
    sonde = subprocess.Popen([SONDE, "run", "--config", config, "--data-dir", sonde_data], stdout=logs, stderr=logs)
    prometheus = subprocess.Popen(["prometheus", f"--config.file={prometheus_config}", f"--storage.tsdb.path={prometheus_data}",
                                   "--storage.tsdb.retention.time=30d", f"--web.listen-address=127.0.0.1:{prometheus_port}"],
                                  stdout=logs, stderr=logs)
    try:
        ours, theirs = f"http://127.0.0.1:{sonde_port}", f"http://127.0.0.1:{prometheus_port}"
        wait_ready(ours, sonde, "sonde")
        wait_ready(theirs, prometheus, "prometheus")
        tally = {"exact": 0, "noise": 0, "real": [], "errors": [], "empty": 0, "empty names": []}
        asked = 0
        # Instants: the recording's end and middle, inside the replayed history, a week back.
        instants = [end, end - 450, end - 2 * 3600 - 17, end - 3 * DAY - 1234, end - 7 * DAY + 600]
        for query in QUERIES + EDGES + REFUSED:
            ordered = query.startswith(("sort", "topk"))
            empty_before, errors_before = tally["empty"], len(tally["errors"])
            for at in instants:
                params = {"query": query, "time": str(at)}
                compare(f"{query} @ {at}", ask(ours, "/api/v1/query", params), ask(theirs, "/api/v1/query", params), ordered, tally)
                asked += 1
            for panel, span, step in PANELS:
                last = end // step * step
                params = {"query": query, "start": str(last - span), "end": str(last), "step": str(step)}
                compare(f"{query} over {panel} at {step}s", ask(ours, "/api/v1/query_range", params),
                        ask(theirs, "/api/v1/query_range", params), False, tally)
                asked += 1
            if query in EDGES:
                del tally["empty names"][empty_before:]
                tally["empty"] = empty_before
            if query in REFUSED and len(tally["errors"]) - errors_before < 5 + len(PANELS):
                tally["real"].append(f"{query}: sonde or prometheus accepts it")
        for difference in tally["real"]:
            print("REAL", difference)
        print(f"queries: {asked} ({tally['empty']} empty on both sides, {len(tally['errors'])} refused by both alike), "
              f"points equal: {tally['exact']}, within 1e-9 relative: {tally['noise']}, real differences: {len(tally['real'])}")
        # Empty answers compare nothing: more than a few (2 %) means the query list misses the data.
        if tally["empty"] > asked // 50:
            print("too many empty answers:", "; ".join(tally["empty names"]))
        return 1 if tally["real"] or tally["empty"] > asked // 50 else 0
    finally:
        for process in (sonde, prometheus):
            process.send_signal(signal.SIGTERM)
        for process in (sonde, prometheus):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
