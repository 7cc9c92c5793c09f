/// A webhook receiver for `LoopbackServer.with(script:arguments:)`: it answers every POST with 200
/// (with the argument `fail=N`, the first N with 503; with `reject`, every one with 400) and keeps
/// what it accepted;
/// `GET /_received` returns a JSON list of `{"path", "headers", "body"}`, in arrival order, of the
/// requests it answered with 200.
public let webhookRecorderScript = #"""
import json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

failures_left = 0
reject = "reject" in sys.argv[1:]
for argument in sys.argv[1:]:
    if argument.startswith("fail="):
        failures_left = int(argument[5:])
received = []
lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def reply(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        with lock:
            self.reply(200, json.dumps(received).encode())
    def do_POST(self):
        global failures_left
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if reject:
            return self.reply(400, b"bad payload: no such channel")
        with lock:
            if failures_left > 0:
                failures_left -= 1
                return self.reply(503, b"try later")
            received.append({"path": self.path, "headers": dict(self.headers), "body": body})
        self.reply(200, b"ok")

"""# + LoopbackServer.serveHandler
