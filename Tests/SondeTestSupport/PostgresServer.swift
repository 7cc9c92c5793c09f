#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server (Debian's binaries) for tests: its own data directory under /tmp, a free
/// loopback port, its socket in that directory. PostgreSQL refuses to run as root, so as root every
/// server command runs as the `postgres` user (`runuser`).
///
/// Roles: `postgres` (superuser, trust over the socket for setup), `sonde` (pg_monitor, SCRAM
/// password `sonde-pass`), `md5user` (pg_monitor, md5 password `md5-pass`), and with `tls`
/// `certuser` (pg_monitor, no password: a client certificate, `clientCertificatePath` and
/// `clientKeyPath`). Database `app` with pg_stat_statements.
public final class PostgresServer {
    public static let binaries = "/usr/lib/postgresql/15/bin"
    public let directory: String
    public let port: Int
    public var data: String { directory + "/data" }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Creates, configures and starts a server; `tls` adds a self-signed certificate for 127.0.0.1.
    public init(tls: Bool = false) throws {
        directory = TestFiles.makeDirectory("sonde-pg")
        port = TestNetwork.freeLoopbackPort()
        if getuid() == 0 { TestFiles.run(["chown", "postgres:postgres", directory]) }
        try check(asServerUser([Self.binaries + "/initdb", "-D", data, "-U", "postgres", "--auth-local=trust",
                                "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C"]), "initdb")
        var settings = """
            listen_addresses = '127.0.0.1'
            port = \(port)
            unix_socket_directories = '\(directory)'
            shared_preload_libraries = 'pg_stat_statements'
            max_connections = 30
            fsync = off
            synchronous_commit = off

            """
        if tls {
            try check(asServerUser([
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", data + "/server.key", "-out", data + "/server.crt",
                "-days", "2", "-subj", "/CN=sonde-test-postgres", "-addext", "subjectAltName=IP:127.0.0.1",
            ]), "openssl")
            // The client's certificate is self-signed and its own CA, the one the server trusts.
            // It is made as the test's user: libpq wants the key to be the connecting user's, 0600.
            try check(TestFiles.run([
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory + "/client.key", "-out",
                directory + "/client.crt", "-days", "2", "-subj", "/CN=certuser",
            ]), "openssl (client)")
            chmod(directory + "/client.key", 0o600)
            settings += "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nssl_ca_file = '\(directory)/client.crt'\n"
        }
        TestFiles.append(data + "/postgresql.conf", settings)
        let hba = String(decoding: TestFiles.read(data + "/pg_hba.conf"), as: UTF8.self)
        // md5user authenticates with md5, certuser with its certificate; everyone else over TCP with
        // SCRAM (initdb's lines).
        let certificateLine = tls ? "hostssl all certuser 127.0.0.1/32 cert\n" : ""
        try writeAsServerUser(data + "/pg_hba.conf", "host all md5user 127.0.0.1/32 md5\n" + certificateLine + hba)
        try start()
        try sql("CREATE ROLE sonde LOGIN PASSWORD 'sonde-pass' IN ROLE pg_monitor")
        try sql("SET password_encryption = 'md5'; CREATE ROLE md5user LOGIN PASSWORD 'md5-pass' IN ROLE pg_monitor")
        if tls { try sql("CREATE ROLE certuser LOGIN IN ROLE pg_monitor") }
        try sql("CREATE DATABASE app")
        try sql("CREATE EXTENSION pg_stat_statements;", database: "app")
    }

    /// A streaming standby of `primary` (`pg_basebackup -R`), started, on its own port.
    public init(standbyOf primary: PostgresServer) throws {
        directory = TestFiles.makeDirectory("sonde-pg-standby")
        port = TestNetwork.freeLoopbackPort()
        if getuid() == 0 { TestFiles.run(["chown", "postgres:postgres", directory]) }
        try check(asServerUser(["pg_basebackup", "-h", primary.directory, "-p", String(primary.port), "-U", "postgres",
                                "-D", data, "-R", "-X", "stream", "--checkpoint=fast"]), "pg_basebackup")
        // Later lines win: the copied configuration still names the primary's port and socket.
        TestFiles.append(data + "/postgresql.conf", "port = \(port)\nunix_socket_directories = '\(directory)'\n")
        try start()
    }

    /// The server's certificate (with `tls: true`).
    public var certificatePath: String { data + "/server.crt" }
    /// certuser's certificate and key (with `tls: true`).
    public var clientCertificatePath: String { directory + "/client.crt" }
    public var clientKeyPath: String { directory + "/client.key" }

    public func start() throws {
        try check(asServerUser([Self.binaries + "/pg_ctl", "-D", data, "-l", directory + "/server.log", "-w", "-t", "30", "start"]), "pg_ctl start")
    }

    public func stop() {
        asServerUser([Self.binaries + "/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"])
    }

    /// Stops the server and removes its files.
    public func remove() {
        stop()
        TestFiles.removeTree(directory)
    }

    /// Runs SQL as `postgres` over the socket; throws with psql's output when it fails.
    @discardableResult
    public func sql(_ statements: String, database: String = "postgres") throws -> String {
        let output = directory + "/psql.out"
        let status = asServerUser(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", directory, "-p", String(port), "-U", "postgres",
                                   "-d", database, "-At", "-o", output, "-c", statements])
        let text = String(decoding: TestFiles.read(output), as: UTF8.self)
        guard status == 0 else { throw Failure(description: "psql failed (\(status)): \(statements)\n\(text)\n\(serverLog)") }
        return text
    }

    /// Arguments for a client program (`pgbench`, `psql`) as `postgres` over the socket.
    public func client(_ program: String, _ arguments: [String]) -> [String] {
        (getuid() == 0 ? ["runuser", "-u", "postgres", "--"] : []) + [program, "-h", directory, "-p", String(port), "-U", "postgres"] + arguments
    }

    public var serverLog: String { String(decoding: TestFiles.read(directory + "/server.log"), as: UTF8.self) }

    @discardableResult
    private func asServerUser(_ arguments: [String]) -> Int32 {
        TestFiles.run((getuid() == 0 ? ["runuser", "-u", "postgres", "--"] : []) + arguments)
    }

    private func writeAsServerUser(_ path: String, _ text: String) throws {
        unlink(path)
        TestFiles.append(path, text)
        if getuid() == 0 { TestFiles.run(["chown", "postgres:postgres", path]) }
    }

    private func check(_ status: Int32, _ what: String) throws {
        guard status == 0 else { throw Failure(description: "\(what) failed with status \(status)\n\(serverLog)") }
    }
}

/// Loopback ports for test servers.
public enum TestNetwork {
    /// A port nothing listens on right now (bound to 0, read back, released).
    public static func freeLoopbackPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` (a server is ready).
    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
