#!/usr/bin/env python3
"""Differential check of sonde's PromQL evaluator against promtool (Prometheus 2.42).

Usage: scripts/promql-differential.py SEED COUNT   (SONDE=path/to/sonde, default .build/debug/sonde)

Generates random input series (counters with resets, gauges, gaps `_`, staleness markers, a
histogram) and COUNT random expressions over them, lets sonde evaluate them (its failure output of
a `promql_expr_test` with no expected samples lists what it got), writes those results as the
expected samples, and runs `promtool test rules` on the file. promtool adds same-group values in a
random series order (its test storage creates series in Go map order), so sums may differ in the
last bits from run to run; differences within 1e-9 relative are reported as that, anything else as
REAL. Exit status 1 when there is a REAL difference.
"""
import random, subprocess, re, sys, os, tempfile
TEST_FILE = os.path.join(tempfile.mkdtemp(prefix="sonde-differential-"), "differential.test.yaml")
random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
SONDE = os.environ.get("SONDE", ".build/debug/sonde")
series = []
def vals(kind):
    n = 40
    out = []
    if kind == "counter":
        v = random.randint(0, 50)
        for i in range(n):
            r = random.random()
            if r < 0.05: out.append("_")
            elif r < 0.08: v = random.randint(0, 5); out.append(str(v))
            elif r < 0.10: out.append("stale")
            else:
                v += random.choice([0, 1, 2, 5, 10, 0.5]); out.append(str(v))
    else:
        for i in range(n):
            r = random.random()
            if r < 0.08: out.append("_")
            elif r < 0.1: out.append("stale")
            else: out.append(str(round(random.uniform(-5, 100), random.choice([0, 1, 2]))))
    return " ".join(out)
for job in ["a", "b"]:
    for inst in ["1", "2", "3"]:
        series.append((f'req_total{{job="{job}",instance="{inst}",code="200"}}', vals("counter")))
        series.append((f'req_total{{job="{job}",instance="{inst}",code="500"}}', vals("counter")))
        series.append((f'temp{{job="{job}",instance="{inst}"}}', vals("gauge")))
    for le in ["0.1", "0.5", "1", "+Inf"]:
        series.append((f'lat_bucket{{job="{job}",le="{le}"}}', vals("counter")))
ranges = ["1m", "2m", "3m", "5m", "7m", "10m"]
MATH = ["abs", "ceil", "floor", "sqrt", "exp", "ln", "log2", "log10", "sgn", "acos", "acosh", "asin", "asinh", "atan", "atanh",
        "cos", "cosh", "sin", "sinh", "tan", "tanh", "deg", "rad"]
OVER = ["avg", "min", "max", "sum", "count", "last", "stddev", "present", "absent"]
def sub():
    return random.choice(ranges) + ":" + random.choice(["", "30s", "1m", "20s", "90s", "2m"])
def at():
    return " @ " + random.choice(["60", "300.5", "1200", "2700", "start()", "end()", "-30"])
DATES = ["day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"]
def sel(kind):
    if kind == "c": return random.choice(['req_total', 'req_total{code="500"}', 'req_total{job=~"a|b",code!="200"}'])
    return random.choice(['temp', 'temp{job="a"}', 'temp{instance!="2"}'])
def rexpr():
    r = random.choice(ranges)
    off = random.choice(["", "", "", " offset 1m", " offset 3m"])
    c, g = sel("c") + f"[{r}]" + off, sel("g") + f"[{r}]" + off
    forms = [
        f"rate({c})", f"increase({c})", f"irate({c})", f"delta({g})", f"idelta({g})", f"deriv({g})",
        f"predict_linear({g}, 600)", f"avg_over_time({g})", f"min_over_time({g})", f"max_over_time({g})",
        f"sum_over_time({g})", f"count_over_time({g})", f"last_over_time({g})", f"stddev_over_time({g})",
        f"quantile_over_time(0.9, {g})", f"changes({g})", f"resets({c})", f"absent_over_time(nothing[{r}])",
        f"sum by (job) (rate({c}))", f"topk(2, {sel('g')})", f"quantile(0.3, {sel('g')})",
        f"histogram_quantile(0.9, sum by (le, job) (rate(lat_bucket[{r}])))", f"stddev without (instance) ({sel('g')})",
        # The rest of Prometheus 2.42's functions and aggregations.
        f"{random.choice(MATH)}({sel('g')})", f"{random.choice(MATH)}(rate({c}))", f"clamp({sel('g')}, {random.choice(['0', '10', '-5'])}, {random.choice(['50', '5', '-10'])})",
        f"{random.choice(DATES)}({random.choice([sel('g'), 'vector(time())', sel('c') + ' * 86400'])})", f"{random.choice(DATES)}()",
        f"present_over_time({g})", f"stdvar_over_time({g})", f"holt_winters({g}, {random.choice(['0.1', '0.5', '0.9'])}, {random.choice(['0.1', '0.5', '0.9'])})",
        f"group by (job) ({sel('g')})", f"stdvar by (job) ({sel('g')})", f"count_values by (job) (\"v\", round({sel('g')} / 10))",
        f"count_values(\"v\", {sel('g')})", f"label_join({sel('g')}, \"joined\", \"-\", \"job\", \"instance\")",
        f"sort({sel('g')})", f"sort_desc(rate({c}))", f"sgn({sel('g')} - 50)", f"pi() * {sel('g')}", f"histogram_count({sel('g')})",
        # Subqueries (default and explicit steps, offset, nested) and the @ modifier.
        f"{random.choice(OVER)}_over_time(rate({sel('c')}[{r}])[{sub()}])", f"{random.choice(OVER)}_over_time({sel('g')}[{sub()}]{off})",
        f"rate({sel('c')}[{sub()}])", f"deriv((sum by (job) ({sel('g')}))[{sub()}])",
        f"max_over_time(avg_over_time({sel('g')}[{r}])[{sub()}]{at()})", f"{sel('g')}{at()}", f"rate({c}{at()})",
        f"sum by (job) ({sel('g')}{at()}) - sum by (job) ({sel('g')})", f"min_over_time(max_over_time({sel('g')}[{sub()}])[{sub()}])",
    ]
    return forms[random.randrange(len(forms))]
def expr(depth=0):
    r = random.random()
    if depth > 1 or r < 0.5: return rexpr()
    a, b = expr(depth+1), expr(depth+1)
    op = random.choice(["+", "-", "*", "/", ">", "< bool", "and", "or", "unless"])
    if random.random() < 0.4:
        return f"sum by (job) ({a}) {op} on(job) sum by (job) ({b})"
    return f"({rexpr()}) {random.choice(['* 2', '> 1', '+ 0.5', '/ 3', '== bool 0'])}"
exprs = [expr() for _ in range(int(sys.argv[2]) if len(sys.argv) > 2 else 40)]
def go_duration(minutes, seconds):
    text = (f"{minutes}m" if minutes else "") + (f"{seconds}s" if seconds else "")
    return text or "0s"
times = [go_duration(random.randint(0, 45), random.choice([0, 30, 10])) for _ in exprs]
def write(path, samples):
    with open(path, "w") as f:
        f.write("rule_files: []\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n")
        for s, v in series:
            f.write(f"      - series: '{s}'\n        values: '{v}'\n")
        f.write("    promql_expr_test:\n")
        for i, (e, t) in enumerate(zip(exprs, times)):
            f.write(f"      - expr: '{e}'\n        eval_time: {t}\n        exp_samples:\n")
            for labels, value in samples.get(i, []):
                f.write(f"          - labels: '{labels}'\n            value: {value}\n")
write(TEST_FILE, {})
out = subprocess.run([SONDE, "rules", "test", TEST_FILE], capture_output=True, text=True)
text = out.stderr
samples = {}
errors = []
for block in re.split(r"\n\n", text):
    m = re.search(r'expr: "((?:[^"\\]|\\.)*)", time: ([^,]+),\s*exp: .*\n\s*got: (.*)', block)
    if not m:
        if "err:" in block: errors.append(block.strip())
        continue
    e = m.group(1).encode().decode("unicode_escape"); t = m.group(2)
    idx = [i for i, (x, y) in enumerate(zip(exprs, times)) if x == e and y == t]
    got = m.group(3).strip()
    items = re.findall(r'(\{[^}]*\}) (\S+?)(?:,|$)', got)
    for i in idx: samples[i] = [(lab.replace('__name__="', 'X__name__="'), val) for lab, val in items]
# convert {__name__="x", a="b"} to x{a="b"}
def conv(lab):
    inner = lab[1:-1]
    parts = re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', inner)
    name = ""
    rest = []
    for k, v in parts:
        if k == "X__name__": name = v
        else: rest.append(f'{k}="{v}"')
    return name + "{" + ",".join(rest) + "}"
YAML_SPECIAL = {"+Inf": ".inf", "-Inf": "-.inf", "NaN": ".nan"}
samples = {i: [(conv(l), YAML_SPECIAL.get(v, v)) for l, v in s] for i, s in samples.items()}
write(TEST_FILE, samples)
p = subprocess.run(["promtool", "test", "rules", TEST_FILE], capture_output=True, text=True)
s2 = subprocess.run([SONDE, "rules", "test", TEST_FILE], capture_output=True, text=True)
print("sonde errors:", len(errors), "promtool:", p.returncode, "sonde self:", s2.returncode)
pass
for e in errors[:5]: print(e)
# Classify promtool's complaints: values within 1e-9 relative are summation-order noise (promtool
# itself orders series randomly); anything else is a real difference.
real = 0
for m in re.finditer(r'expr: "((?:[^"\\]|\\.)*)", time: ([^,]+),\s*exp: (.*)\n\s*got: (.*)', p.stderr):
    exp = re.findall(r'(\{[^}]*\}) (\S+?)(?:,|$)', m.group(3).strip())
    got = re.findall(r'(\{[^}]*\}) (\S+?)(?:,|$)', m.group(4).strip())
    ok = len(exp) == len(got) and all(a == c and (abs(float(b) - float(d)) <= 1e-9 * max(1, abs(float(b))) or (b == d)) for (a, b), (c, d) in zip(exp, got))
    if not ok:
        real += 1
        print("REAL:", m.group(0))
for m in re.finditer(r'expr: "((?:[^"\\]|\\.)*)", time: ([^,]+), err: (.*)', p.stderr):
    real += 1; print("REAL ERR:", m.group(0))
print("real differences:", real)
sys.exit(1 if real else 0)
