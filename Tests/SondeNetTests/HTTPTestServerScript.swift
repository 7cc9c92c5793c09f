/// The server the HTTP client tests talk to. Routes:
/// - `GET|HEAD /hello`: 200, `hello, sonde`, header `X-Test: yes`
/// - `GET /missing`: 404
/// - any method on `/echo`: 200, the request body back, `X-Echo-Method` and, for each request
///   header starting `X-Sonde-`, `X-Echoed-<rest>` with its value; `X-Echo-Content-Type` when sent
/// - `GET /slow?ms=N`: waits N ms (at most 10 s) before answering
/// - `GET /bytes?n=N`: N bytes with Content-Length; `GET /stream?n=N`: N bytes without it
/// - `GET /redirect`: 302 to `/hello`
/// - a proxy request (absolute URL in the request line): 200, `proxied <url>`
/// With the arguments `tls DIR` it serves HTTPS with a new self-signed certificate for 127.0.0.1,
/// written to `DIR/cert.pem` (needs the `openssl` command).
let httpTestServerScript = #"""
import os, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=(), length=True):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def route(self):
        if self.path.startswith("http://"):
            return self.reply(200, ("proxied " + self.path).encode())
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path == "/hello":
            return self.reply(200, b"hello, sonde", [("X-Test", "yes")])
        if url.path == "/echo":
            headers = [("X-Echo-Method", self.command)]
            for name, value in self.headers.items():
                if name.lower().startswith("x-sonde-"):
                    headers.append(("X-Echoed-" + name[8:], value))
            if "Content-Type" in self.headers:
                headers.append(("X-Echo-Content-Type", self.headers["Content-Type"]))
            return self.reply(200, body, headers)
        if url.path == "/slow":
            time.sleep(min(10.0, int(query.get("ms", ["1000"])[0]) / 1000))
            return self.reply(200, b"finally")
        if url.path == "/bytes":
            return self.reply(200, b"x" * int(query["n"][0]))
        if url.path == "/stream":
            return self.reply(200, b"x" * int(query["n"][0]), length=False)
        if url.path == "/redirect":
            return self.reply(302, b"", [("Location", "/hello")])
        return self.reply(404, b"not found")

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = route

def watch_stdin():
    sys.stdin.buffer.read()
    os._exit(0)

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if len(sys.argv) > 2 and sys.argv[1] == "tls":
    # A fresh self-signed certificate for IP 127.0.0.1, written to the directory given.
    import ssl, subprocess
    cert, key = os.path.join(sys.argv[2], "cert.pem"), os.path.join(sys.argv[2], "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
threading.Thread(target=watch_stdin, daemon=True).start()
threading.Timer(120, lambda: os._exit(0)).start()
print(server.server_address[1], flush=True)
server.serve_forever()
"""#
