# Appends Gunicorn-format access lines (default format plus %(L)s) at RATE lines/s for SECONDS,
# in bursts every 10 ms; prints how many it wrote. Used by tail-cpu.sh.
import sys, time
path, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
out = open(path, "a", buffering=1 << 16)
paths = ["/api/v1/standards/%d/", "/api/v1/standards/", "/accounts/login/", "/static/css/app.%x.css", "/api/v1/items/%d/history/"]
seq = 0
start = time.monotonic()
batch = int(rate / 100)
while time.monotonic() - start < seconds:
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime())
    for _ in range(batch):
        p = paths[seq % 5]
        if "%" in p: p = p % (seq * 7919 % 100000)
        status = 500 if seq % 97 == 0 else (404 if seq % 31 == 0 else 200)
        out.write('10.0.%d.%d - - [%s] "GET %s?page=%d HTTP/1.1" %d %d "https://example.com/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0" 0.%06d\n' % (seq % 250, seq % 200, stamp, p, seq % 9, status, 200 + seq % 5000, seq * 37 % 999999))
        seq += 1
    out.flush()
    due = start + seq / rate
    pause = due - time.monotonic()
    if pause > 0: time.sleep(pause)
print(seq)
