/// An HTTP proxy on loopback in front of one upstream (a moto server), which fails requests the
/// way networks and AWS do, as the test asks. `POST /_fault` with the mode as body sets what
/// happens to every request after it:
/// - `pass`: forwarded, the upstream's answer returned;
/// - `503`: answered `503 ServiceUnavailable` with AWS's XML error, not forwarded;
/// - `throttle`: answered `400 Throttling` ("Rate exceeded"), not forwarded;
/// - `slow:MS`: forwarded after MS milliseconds;
/// - `drop`: half the request body read, then the connection closed without an answer, not forwarded.
/// `GET /_fault/stats` answers `forwarded=N failed=N`: requests that reached the upstream, and
/// requests failed on purpose.
public enum FaultProxy {
    public static func with<T>(upstream: String, _ body: (LoopbackServer) async throws -> T) async throws -> T {
        try await LoopbackServer.with(script: script, arguments: [upstream], body)
    }

    static let script = #"""
import os, socket, sys, threading, time, urllib.request, urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = sys.argv[1]
state = {"mode": "pass", "forwarded": 0, "failed": 0}
lock = threading.Lock()

def aws_error(status, code, message):
    body = ("<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
            "<RequestId>fault-proxy</RequestId></ErrorResponse>" % (code, message)).encode()
    return status, body

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="text/xml"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_fault/stats":
            with lock:
                text = "forwarded=%d failed=%d" % (state["forwarded"], state["failed"])
            self.reply(200, text.encode(), "text/plain")
        else:
            self.reply(404, b"", "text/plain")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.path == "/_fault":
            with lock:
                state["mode"] = self.rfile.read(length).decode().strip()
            self.reply(200, b"ok", "text/plain")
            return
        with lock:
            mode = state["mode"]
        if mode == "drop":
            self.rfile.read(length // 2)
            with lock:
                state["failed"] += 1
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = self.rfile.read(length)
        if mode in ("503", "throttle"):
            with lock:
                state["failed"] += 1
            if mode == "503":
                self.reply(*aws_error(503, "ServiceUnavailable", "Service is unavailable"))
            else:
                self.reply(*aws_error(400, "Throttling", "Rate exceeded"))
            return
        if mode.startswith("slow:"):
            time.sleep(int(mode[5:]) / 1000)
        headers = {name: value for name, value in self.headers.items() if name.lower() not in ("host", "content-length", "connection")}
        request = urllib.request.Request(UPSTREAM + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, answer_body = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, answer_body = error.code, error.read()
        with lock:
            state["forwarded"] += 1
        self.reply(status, answer_body)

"""# + LoopbackServer.serveHandler
}
