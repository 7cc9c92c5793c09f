#if canImport(Glibc)
import Glibc
#endif

/// A Python HTTP server on 127.0.0.1 (a free port), spawned for one test and killed after it.
/// (The same harness as SondeNetTests' `LoopbackServer`; test targets cannot share code.)
///
/// The script is passed with `python3 -c` (a `.py` file in the test folder would be an undeclared
/// resource to SwiftPM). The server prints its port, then serves until the test ends: it also exits
/// by itself when its stdin closes (the test process died) or after two minutes, so it can never
/// outlive a test run.
final class FakeIMDSProcess {
    let pid: pid_t
    let port: Int
    private let stdinWrite: Int32

    var base: String { "http://127.0.0.1:\(port)" }

    /// Runs `body` with a server running `script` (which must print its port on its first line).
    static func with<T>(script: String, arguments: [String] = [], _ body: (FakeIMDSProcess) async throws -> T) async throws -> T {
        let server = try await start(script: script, arguments: arguments)
        defer { server.stop() }
        return try await body(server)
    }

    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    private init(pid: pid_t, port: Int, stdinWrite: Int32) {
        self.pid = pid
        self.port = port
        self.stdinWrite = stdinWrite
    }

    private static func start(script: String, arguments: [String]) async throws -> FakeIMDSProcess {
        var input: [Int32] = [0, 0]
        var output: [Int32] = [0, 0]
        // Close-on-exec, so servers started by tests running in parallel do not hold each other's
        // pipes (Glibc's pipe2 is not imported; the short window before fcntl is harmless here).
        guard pipe(&input) == 0, pipe(&output) == 0 else { throw StartError(description: "pipe: errno \(errno)") }
        for descriptor in input + output { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (["/usr/bin/env", "python3", "-u", "-c", script] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, "/usr/bin/env", &actions, nil, argv, environ)
        posix_spawn_file_actions_destroy(&actions)
        close(input[0])
        close(output[1])
        guard spawned == 0 else {
            close(input[1])
            close(output[0])
            throw StartError(description: "cannot start python3: error \(spawned)")
        }
        // The first line is the port; EOF before it means Python failed to start. Polled, so that
        // tests starting servers in parallel do not block the cooperative threads while Python starts.
        _ = fcntl(output[0], F_SETFL, O_NONBLOCK)
        var line: [UInt8] = []
        var byte: UInt8 = 0
        for _ in 0..<4_000 {
            let count = read(output[0], &byte, 1)
            if count == 1 && byte != 10 { line.append(byte); continue }
            if count == -1 && errno == EAGAIN { try? await Task.sleep(for: .milliseconds(5)); continue }
            break
        }
        close(output[0])
        guard let port = Int(String(decoding: line, as: UTF8.self)), port > 0 else {
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
            close(input[1])
            throw StartError(description: "the test server did not report a port (got \"\(String(decoding: line, as: UTF8.self))\"): is python3 installed?")
        }
        return FakeIMDSProcess(pid: child, port: port, stdinWrite: input[1])
    }

    private func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(stdinWrite)
    }

    /// A TCP port on 127.0.0.1 that refuses connections: bound (so nobody else takes it) but not
    /// listening, for as long as `body` runs.
    static func withClosedPort<T>(_ body: (Int) async throws -> T) async throws -> T {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw StartError(description: "socket: errno \(errno)") }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socketFD, generic, length) == 0 && getsockname(socketFD, generic, &length) == 0
            }
        }
        guard bound else { throw StartError(description: "bind: errno \(errno)") }
        return try await body(Int(UInt16(bigEndian: address.sin_port)))
    }
}

/// A fake EC2 instance metadata service that, like the real one with IMDSv2 required:
/// - grants a token on `PUT /latest/api/token` only with `X-aws-ec2-metadata-token-ttl-seconds`
///   between 1 and 21600 (400 otherwise), and refuses a token PUT carrying `X-Forwarded-For` (403);
/// - answers `GET /latest/meta-data/...` only with the token in `X-aws-ec2-metadata-token` (401
///   otherwise), 404 for unknown paths.
/// Its first argument picks a behaviour: `normal`, `token-401` (every token PUT gets 401),
/// `get-403` (GETs with the token get 403), `no-region` (no `placement/region`, as older services).
/// `GET /_fake/stats` (no token needed) reports `tokens=N tokenless=N`: tokens granted, and
/// metadata GETs that came without a token (IMDSv1 style).
let fakeIMDSScript = #"""
import os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = sys.argv[1] if len(sys.argv) > 1 else "normal"
TOKEN = "AQAEAFake-Token-0123456789=="
METADATA = {
    "instance-id": "i-0abc123def4567890",
    "instance-type": "m7g.large",
    "placement/availability-zone": "eu-west-1b",
    "placement/region": "eu-west-1",
    "ami-id": "ami-0fedcba9876543210",
}
if MODE == "no-region":
    del METADATA["placement/region"]
stats = {"tokens": 0, "tokenless": 0}
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
                return self.reply(200, ("tokens=%d tokenless=%d" % (stats["tokens"], stats["tokenless"])).encode())
        if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
            with lock:
                stats["tokenless"] += 1
            return self.reply(401)
        if MODE == "get-403":
            return self.reply(403)
        prefix = "/latest/meta-data/"
        value = METADATA.get(self.path[len(prefix):]) if self.path.startswith(prefix) else None
        if value is None:
            return self.reply(404)
        self.reply(200, value.encode())

def watch_stdin():
    sys.stdin.buffer.read()
    os._exit(0)

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
threading.Thread(target=watch_stdin, daemon=True).start()
threading.Timer(120, lambda: os._exit(0)).start()
print(server.server_address[1], flush=True)
server.serve_forever()
"""#
