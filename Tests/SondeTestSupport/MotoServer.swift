#if canImport(Glibc)
import Glibc
#endif

/// A real moto server (the AWS emulator, `pip install "moto[server]"`) on 127.0.0.1 and a free
/// port, for one test: `moto_server` from PATH, else `python3 -m moto.server`. Its output goes to a
/// file in /tmp (shown when it fails to start); it is stopped with SIGTERM (then SIGKILL) after the
/// test. Tests only ever talk to it on loopback; nothing reaches AWS.
public final class MotoServer {
    public let port: Int
    public let logPath: String
    private let directory: String
    private let process: ChildProcess

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Whether a moto server can be started here.
    public static var isAvailable: Bool {
        TestFiles.run(["sh", "-c", "command -v moto_server >/dev/null 2>&1 || python3 -c 'import moto.server' >/dev/null 2>&1"]) == 0
    }

    /// Runs `body` with a fresh server (empty state).
    public static func with<T>(_ body: (MotoServer) async throws -> T) async throws -> T {
        let server = try await MotoServer()
        defer { server.stop() }
        return try await body(server)
    }

    private init() async throws {
        guard Self.isAvailable else {
            throw Failure(description: "moto_server is not installed (scripts/install-deps.sh --test installs it with pip)")
        }
        directory = TestFiles.makeDirectory("sonde-moto")
        logPath = directory + "/moto.log"
        // A port may be taken between choosing and binding; a few tries make that harmless.
        var lastLog = ""
        for _ in 0..<3 {
            let port = TestNetwork.freeLoopbackPort()
            let command = "if command -v moto_server >/dev/null 2>&1; then exec moto_server -H 127.0.0.1 -p \(port); else exec python3 -m moto.server -H 127.0.0.1 -p \(port); fi"
            let child = ChildProcess(["sh", "-c", command], output: logPath)
            // Ready when it accepts a connection; moto needs a second or two to import.
            for _ in 0..<300 {
                if TestNetwork.accepts(port: port) {
                    self.port = port
                    self.process = child
                    return
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            child.stop()
            lastLog = String(decoding: TestFiles.read(logPath), as: UTF8.self)
        }
        TestFiles.removeTree(directory)
        throw Failure(description: "moto_server did not start:\n\(lastLog)")
    }

    public func stop() {
        process.stop()
        TestFiles.removeTree(directory)
    }
}
