#!/usr/bin/env python3
"""Generate a deterministic synthetic Gunicorn access log.

Format: Gunicorn's default access_log_format with %(L)s appended:

    %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s

Example:

    127.0.0.1 - - [22/Nov/2026:10:00:00 +0000] "GET /api/v1/standards/42/?page=2 HTTP/1.1" 200 1534 "https://example.com/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0" 0.012345

Usage:
    generate-access-log.py OUTPUT [LINES]     (LINES defaults to 2,000,000)
    generate-access-log.py OUTPUT --lines N [--seed S]

Output is byte-for-byte reproducible for a given (LINES, seed).
Timestamps start at 22/Nov/2026:00:00:00 +0000 and advance one second every
5000 lines.
"""

import argparse
import random
import sys

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
LINES_PER_SECOND = 5000
START = (2026, 11, 22)  # year, month, day; 00:00:00 +0000

# (weight, method)
METHODS = [(80, "GET"), (12, "POST"), (5, "PUT"), (3, "DELETE")]
# (weight, status)
STATUSES = [(70, "200"), (6, "201"), (3, "204"), (2, "301"), (4, "302"),
            (5, "304"), (3, "400"), (1, "403"), (4, "404"), (1, "500"),
            (1, "502")]

# Route shapes. Placeholders: {n} numeric id, {u} uuid, {h} hex digest,
# {s} slug. About 40 shapes.
ROUTES = [
    "/",
    "/health/",
    "/healthz",
    "/metrics",
    "/login/",
    "/logout/",
    "/static/css/app.{h}.css",
    "/static/js/app.{h}.js",
    "/static/img/logo-{n}.png",
    "/favicon.ico",
    "/api/v1/standards/",
    "/api/v1/standards/{n}/",
    "/api/v1/standards/{n}/versions/",
    "/api/v1/standards/{n}/versions/{n}/",
    "/api/v1/standards/{n}/comments/",
    "/api/v1/users/",
    "/api/v1/users/{n}/",
    "/api/v1/users/{u}/",
    "/api/v1/users/{u}/preferences/",
    "/api/v1/orgs/{s}/",
    "/api/v1/orgs/{s}/members/",
    "/api/v1/orgs/{s}/members/{n}/",
    "/api/v1/documents/{u}/",
    "/api/v1/documents/{u}/download/",
    "/api/v1/documents/{u}/revisions/{n}/",
    "/api/v1/search/",
    "/api/v1/tags/{s}/",
    "/api/v1/files/{h}/",
    "/api/v1/files/{h}/meta/",
    "/api/v1/sessions/{h}/",
    "/api/v2/items/{n}/",
    "/api/v2/items/{n}/children/",
    "/api/v2/items/{u}/attachments/{n}/",
    "/api/v2/reports/{n}/export/",
    "/admin/",
    "/admin/app/standard/{n}/change/",
    "/admin/auth/user/{n}/change/",
    "/accounts/{s}/settings/",
    "/blog/{s}/",
    "/blog/{n}/{s}/",
    "/webhooks/{h}/",
]
QUERIES = ["page={n}", "page={n}&page_size=50", "q={s}", "sort=-created",
           "format=json", "id={u}", "since={n}&limit=100", "token={h}"]
SLUGS = ["alpha", "beta", "gamma", "delta", "iso-9001", "quality",
         "security", "release-notes", "getting-started", "acme-corp",
         "north-wind", "roadmap-2027", "faq", "pricing", "team"]
REFERERS = ["-", "-", "-", "https://example.com/", "https://example.com/api/",
            "https://www.google.com/", "https://example.com/admin/",
            "https://news.ycombinator.com/item?id=41234567"]
AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "curl/8.5.0",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "kube-probe/1.29",
    "Prometheus/2.48.0",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
]
HOSTS = ["127.0.0.1", "10.0.0.12", "10.0.3.7", "172.17.0.1", "192.168.1.50",
         "203.0.113.9", "198.51.100.23", "::1", "2001:db8::42"]
USERS = ["-"] * 18 + ["alice", "bob"]


def expand_weights(pairs):
    out = []
    for w, v in pairs:
        out.extend([v] * w)
    return out


def days_in_month(y, m):
    if m == 2:
        leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
        return 29 if leap else 28
    return 30 if m in (4, 6, 9, 11) else 31


def timestamp_strings(seconds_needed):
    """Yield '[dd/Mon/yyyy:HH:MM:SS +0000]' for consecutive seconds."""
    y, mo, d = START
    h = mi = s = 0
    for _ in range(seconds_needed):
        yield "[%02d/%s/%04d:%02d:%02d:%02d +0000]" % (d, MONTHS[mo - 1], y, h, mi, s)
        s += 1
        if s == 60:
            s = 0
            mi += 1
            if mi == 60:
                mi = 0
                h += 1
                if h == 24:
                    h = 0
                    d += 1
                    if d > days_in_month(y, mo):
                        d = 1
                        mo += 1
                        if mo == 13:
                            mo = 1
                            y += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("output", help="output path ('-' for stdout)")
    ap.add_argument("lines_pos", nargs="?", type=int, default=None,
                    metavar="LINES", help="number of lines (default 2000000)")
    ap.add_argument("--lines", type=int, default=None)
    ap.add_argument("--seed", type=int, default=20261122)
    args = ap.parse_args()
    n = args.lines if args.lines is not None else (
        args.lines_pos if args.lines_pos is not None else 2_000_000)

    rng = random.Random(args.seed)
    rand = rng.random
    randrange = rng.randrange
    getrandbits = rng.getrandbits

    methods = expand_weights(METHODS)
    statuses = expand_weights(STATUSES)

    # Pre-render a pool of concrete request targets so the hot loop is just
    # table lookups; the pool is large enough to give realistic variety.
    def fill(tmpl):
        out = []
        i = 0
        while True:
            j = tmpl.find("{", i)
            if j < 0:
                out.append(tmpl[i:])
                break
            out.append(tmpl[i:j])
            kind = tmpl[j + 1]
            if kind == "n":
                out.append(str(randrange(1, 100000)))
            elif kind == "u":
                x = "%032x" % getrandbits(128)
                out.append("%s-%s-4%s-a%s-%s" % (x[0:8], x[8:12], x[13:16], x[17:20], x[20:32]))
            elif kind == "h":
                out.append("%016x" % getrandbits(64))
            elif kind == "s":
                out.append(SLUGS[randrange(len(SLUGS))])
            i = j + 3
        return "".join(out)

    targets = []
    for _ in range(20000):
        path = fill(ROUTES[randrange(len(ROUTES))])
        if rand() < 0.25:
            path += "?" + fill(QUERIES[randrange(len(QUERIES))])
        targets.append(path)

    # Pre-render the "method target proto" part plus the trailing
    # '"referer" "agent"' part to keep per-line work small.
    protos = ["HTTP/1.1"] * 9 + ["HTTP/1.0"]
    # Gunicorn writes %(l)s as '-' always and %(u)s as the remote (basic
    # auth) user or '-', so the prefix is 'h - u '.
    prefixes = ["%s - %s " % (HOSTS[randrange(len(HOSTS))], USERS[randrange(len(USERS))])
                for _ in range(997)]
    tails = ['"%s" "%s"' % (REFERERS[randrange(len(REFERERS))], AGENTS[randrange(len(AGENTS))])
             for _ in range(499)]

    seconds = (n + LINES_PER_SECOND - 1) // LINES_PER_SECOND
    out = sys.stdout if args.output == "-" else open(args.output, "w", buffering=1 << 20)
    written = 0
    nt, npf, ntl, nm, ns = len(targets), len(prefixes), len(tails), len(methods), len(statuses)
    try:
        for ts in timestamp_strings(seconds):
            k = min(LINES_PER_SECOND, n - written)
            buf = []
            append = buf.append
            for _ in range(k):
                r = getrandbits(64)
                method = methods[r % nm]; r //= nm
                status = statuses[r % ns]; r //= ns
                target = targets[r % nt]; r //= nt
                prefix = prefixes[r % npf]; r //= npf
                tail = tails[r % ntl]; r //= ntl
                proto = protos[r % 10]; r //= 10
                if status in ("204", "304"):
                    size = "0"
                elif status in ("301", "302"):
                    size = "0" if r & 1 else "-"
                else:
                    size = str(200 + (r % 48000)) if r & 0x100000 else str(200 + (r % 2500))
                # request time: mostly fast, long tail up to ~12 s.
                u = rand()
                if u < 0.70:
                    dur = rand() * 0.05
                elif u < 0.95:
                    dur = 0.05 + rand() * 0.45
                elif u < 0.995:
                    dur = 0.5 + rand() * 2.5
                else:
                    dur = 3.0 + rand() * 9.0
                append('%s%s "%s %s %s" %s %s %s %.6f\n' % (
                    prefix, ts, method, target, proto, status, size, tail, dur))
            out.write("".join(buf))
            written += k
    finally:
        if out is not sys.stdout:
            out.close()


if __name__ == "__main__":
    main()
