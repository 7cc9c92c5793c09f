/// The server the HTTP client tests talk to. Routes:
/// - `GET|HEAD /hello`: 200, `hello, sonde`, header `X-Test: yes`
/// - `GET /missing`: 404
/// - any method on `/echo`: 200, the request body back, `X-Echo-Method` and, for each request
///   header starting `X-Sonde-`, `X-Echoed-<rest>` with its value; `X-Echo-Content-Type` when sent
/// - `GET /slow?ms=N`: waits N ms (at most 10 s) before answering
/// - `GET /bytes?n=N`: N bytes with Content-Length; `GET /stream?n=N`: N bytes without it
/// - `GET /redirect`: 302 to `/hello`; `GET /redirect?n=N`: a chain of N redirects ending at `/hello`
/// - `GET /status?code=N`: status N, body `status N`
/// - `GET /gzip`: `hello, compressed` gzip-encoded when the request accepts gzip (header
///   `X-Gzipped: yes`), plain otherwise
/// - `GET /held?ms=N`: waits N ms; `GET /max-in-flight`: the most `/held` requests served at once
/// - a proxy request (absolute URL in the request line): 200, `proxied <url>`
/// With the arguments `tls DIR` it serves HTTPS with a new self-signed certificate for 127.0.0.1,
/// written to `DIR/cert.pem` (made with the `openssl` command, valid for one day). With `tls DIR
/// expired` the certificate expired yesterday (made with Python's `cryptography` module, as the
/// openssl CLI of Debian 12 cannot backdate one).
public let httpTestServerScript = #"""
import gzip, os, sys, threading, time
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
            left = int(query.get("n", ["1"])[0])
            target = "/hello" if left <= 1 else "/redirect?n=%d" % (left - 1)
            return self.reply(302, b"", [("Location", target)])
        if url.path == "/status":
            code = int(query["code"][0])
            return self.reply(code, ("status %d" % code).encode())
        if url.path == "/gzip":
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                return self.reply(200, gzip.compress(b"hello, compressed"), [("Content-Encoding", "gzip"), ("X-Gzipped", "yes")])
            return self.reply(200, b"hello, compressed")
        if url.path == "/held":
            with lock:
                counts["now"] += 1
                counts["max"] = max(counts["max"], counts["now"])
            time.sleep(int(query["ms"][0]) / 1000)
            with lock:
                counts["now"] -= 1
            return self.reply(200, b"held")
        if url.path == "/max-in-flight":
            with lock:
                return self.reply(200, str(counts["max"]).encode())
        return self.reply(404, b"not found")

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_PATCH = route

lock = threading.Lock()
counts = {"now": 0, "max": 0}

def expired_certificate(cert, key):
    import datetime, ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=10)).not_valid_after(now - datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256()))
    with open(cert, "wb") as out:
        out.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key, "wb") as out:
        out.write(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

def watch_stdin():
    sys.stdin.buffer.read()
    os._exit(0)

ThreadingHTTPServer.request_queue_size = 256  # a hundred probes connect at once
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if len(sys.argv) > 2 and sys.argv[1] == "tls":
    # A fresh self-signed certificate for IP 127.0.0.1, written to the directory given.
    import ssl, subprocess
    cert, key = os.path.join(sys.argv[2], "cert.pem"), os.path.join(sys.argv[2], "key.pem")
    if len(sys.argv) > 3 and sys.argv[3] == "expired":
        expired_certificate(cert, key)
    else:
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
