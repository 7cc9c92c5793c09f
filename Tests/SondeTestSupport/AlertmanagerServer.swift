#if canImport(Glibc)
import Glibc
#endif

/// A real Alertmanager (Debian's `prometheus-alertmanager`, 0.25) on 127.0.0.1 and a free port, with
/// a given configuration, clustering off and its state in a folder of its own; the reference sonde's
/// notifications are compared with. Stopped with SIGTERM after the test.
public final class AlertmanagerServer {
    public let port: Int
    public let directory: String
    private let process: ChildProcess

    public var base: String { "http://127.0.0.1:\(port)" }
    /// What it is told its external URL is, so sonde can be given the same.
    public static let externalURL = "http://127.0.0.1:9093"

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func with<T>(config: String, _ body: (AlertmanagerServer) async throws -> T) async throws -> T {
        let server = try await AlertmanagerServer(config: config)
        defer { server.stop() }
        return try await body(server)
    }

    private init(config: String) async throws {
        directory = TestFiles.makeDirectory("sonde-alertmanager")
        TestFiles.append(directory + "/alertmanager.yml", config)
        var lastLog = ""
        for _ in 0..<3 {
            let port = TestNetwork.freeLoopbackPort()
            let child = ChildProcess([
                "prometheus-alertmanager", "--config.file=\(directory)/alertmanager.yml", "--storage.path=\(directory)/data",
                "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--web.external-url=\(Self.externalURL)",
            ], output: directory + "/alertmanager.log")
            for _ in 0..<200 {
                if TestNetwork.accepts(port: port) {
                    self.port = port
                    self.process = child
                    return
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            child.stop()
            lastLog = String(decoding: TestFiles.read(directory + "/alertmanager.log"), as: UTF8.self)
        }
        TestFiles.removeTree(directory)
        throw Failure(description: "alertmanager did not start (scripts/install-deps.sh --test installs prometheus-alertmanager):\n\(lastLog)")
    }

    public var log: String { String(decoding: TestFiles.read(directory + "/alertmanager.log"), as: UTF8.self) }

    public func stop() {
        process.stop()
        TestFiles.removeTree(directory)
    }
}
