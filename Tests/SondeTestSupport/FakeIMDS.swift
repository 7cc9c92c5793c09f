/// A fake EC2 instance metadata service that, like the real one with IMDSv2 required:
/// - grants a token on `PUT /latest/api/token` only with `X-aws-ec2-metadata-token-ttl-seconds`
///   between 1 and 21600 (400 otherwise), and refuses a token PUT carrying `X-Forwarded-For` (403);
/// - answers `GET /latest/meta-data/...` only with the token in `X-aws-ec2-metadata-token` (401
///   otherwise), 404 for unknown paths;
/// - has an instance identity (`instance-id`, `instance-type`, `placement/…`, `ami-id`, the Auto
///   Scaling group's tag) and an
///   instance role, `sonde-role`, whose credentials (`ASIAROLE1`, `ASIAROLE2` … one more per fetch)
///   expire a lifetime after each fetch.
public enum FakeIMDS {
    /// Serves the fake for `body`.
    /// - Parameters:
    ///   - mode: `normal`; `token-401` (every token PUT gets 401); `get-403` (GETs with the token
    ///     get 403); `no-region` (no `placement/region`, as older services).
    ///   - credentialLifetime: how long each set of role credentials is valid, in seconds.
    public static func with<T>(
        mode: String = "normal", credentialLifetime: Int = 3600, _ body: (LoopbackServer) async throws -> T
    ) async throws -> T {
        try await LoopbackServer.with(script: script, arguments: [mode, "\(credentialLifetime)"], body)
    }

    /// The path (no token needed) that reports `fetches=N tokenless=N tokens=N`: role credentials
    /// fetched, metadata GETs that came without a token (IMDSv1 style), and tokens granted.
    public static let statsPath = "/_fake/stats"

    /// The counters in the text served at `statsPath`.
    public static func counts(_ stats: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for pair in stats.split(separator: " ") {
            let parts = pair.split(separator: "=")
            if parts.count == 2, let value = Int(parts[1]) { counts[String(parts[0])] = value }
        }
        return counts
    }

    static let script = #"""

import datetime, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = sys.argv[1] if len(sys.argv) > 1 else "normal"
LIFETIME = int(sys.argv[2]) if len(sys.argv) > 2 else 3600
TOKEN = "AQAEAFake-Token-0123456789=="
ROLE = "sonde-role"
METADATA = {
    "instance-id": "i-0abc123def4567890",
    "instance-type": "m7g.large",
    "placement/availability-zone": "eu-west-1b",
    "placement/region": "eu-west-1",
    "ami-id": "ami-0fedcba9876543210",
    "tags/instance/aws:autoscaling:groupName": "web-asg",
}
if MODE == "no-region":
    # An older service: no region, and no instance tags (InstanceMetadataTags off answers 404).
    del METADATA["placement/region"]
    del METADATA["tags/instance/aws:autoscaling:groupName"]
stats = {"tokens": 0, "fetches": 0, "tokenless": 0}
lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path != "/latest/api/token":
            return self.reply(404)
        if MODE == "token-401":
            return self.reply(401)
        if "X-Forwarded-For" in self.headers:
            return self.reply(403)
        try:
            ttl = int(self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", ""))
        except ValueError:
            ttl = 0
        if not 1 <= ttl <= 21600:
            return self.reply(400)
        with lock:
            stats["tokens"] += 1
        self.reply(200, TOKEN.encode())

    def do_GET(self):
        if self.path == "/_fake/stats":
            with lock:
                return self.reply(200, " ".join("%s=%d" % item for item in sorted(stats.items())).encode())
        if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
            with lock:
                stats["tokenless"] += 1
            return self.reply(401)
        if MODE == "get-403":
            return self.reply(403)
        if self.path == "/latest/meta-data/iam/security-credentials/":
            return self.reply(200, ROLE.encode())
        if self.path == "/latest/meta-data/iam/security-credentials/" + ROLE:
            with lock:
                stats["fetches"] += 1
                n = stats["fetches"]
            expiry = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=LIFETIME)).strftime("%Y-%m-%dT%H:%M:%SZ")
            body = '{\n  "Code" : "Success",\n  "LastUpdated" : "2024-02-20T10:00:00Z",\n  "Type" : "AWS-HMAC",\n  "AccessKeyId" : "ASIAROLE%d",\n  "SecretAccessKey" : "role\\/secret",\n  "Token" : "role-session-token",\n  "Expiration" : "%s"\n}' % (n, expiry)
            return self.reply(200, body.encode())
        prefix = "/latest/meta-data/"
        value = METADATA.get(self.path[len(prefix):]) if self.path.startswith(prefix) else None
        if value is None:
            return self.reply(404)
        self.reply(200, value.encode())

"""# + LoopbackServer.serveHandler
}
