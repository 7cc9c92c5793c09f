#if canImport(Glibc)
import Glibc
#endif
import Logging
import SondeCollectors
import SondeCore
import SondeTestSupport
import Testing

@Suite("StatsD collector over real sockets", .exclusiveMachineUse, .serialized)
struct StatsDCollectorTests {
    static let quiet = Logger(label: "test.statsd", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("UDP on 127.0.0.1: valid, invalid and binary-garbage datagrams, then values after collect")
    func udp() async throws {
        let collector = StatsDCollector(udp: "127.0.0.1:0", logger: Self.quiet)
        try collector.bind()
        let port = try #require(collector.localUDPPort)
        #expect(port > 0)
        let task = Task { try await collector.run() }

        var random = StatsDTestRandom(seed: 11)
        let garbage = (0..<300).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let packets: [[UInt8]] = [
            Array("django.orders:1|c|#shop:eu\ndjango.orders:2|c|#shop:eu".utf8),
            Array("django.queue:7|g".utf8),
            Array("django.view_ms:120|ms|#view:home\ndjango.view_ms:80|ms|#view:home".utf8),
            Array("django.users:u1|s\ndjango.users:u2|s".utf8),
            Array("oops\nbad:x|c\nbad:1|q".utf8),
            Array("_e{3,3}:abc|def".utf8),
            garbage,
            [],
        ]
        for packet in packets { try sendDatagram(packet, udpPort: port) }
        try await waitForPackets(collector, packets.count)

        var batch = MetricBatch()
        try await collector.collect(into: &batch)
        let values = Dictionary(batch.samples.map { ($0.labels.description, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(values["django_orders_total{shop=\"eu\"}"] == 3)
        #expect(values["django_queue"] == 7)
        #expect(values["django_view_seconds{quantile=\"0.5\",view=\"home\"}"] == 0.08)
        #expect(values["django_view_seconds_max{view=\"home\"}"] == 0.12)
        #expect(values["django_view_seconds_count{view=\"home\"}"] == 2)
        #expect(values["django_users"] == 2)
        #expect(values["sonde_statsd_packets_total"] == Double(packets.count))
        #expect(values["sonde_statsd_metrics_total"] == 7)
        #expect(values["sonde_statsd_bad_lines_total{reason=\"malformed\"}"].map { $0 >= 1 } == true)
        #expect(values["sonde_statsd_bad_lines_total{reason=\"invalid_value\"}"] == 1)
        #expect(values["sonde_statsd_bad_lines_total{reason=\"invalid_type\"}"] == 1)
        #expect(values["sonde_statsd_bad_lines_total{reason=\"unsupported\"}"] == 1)
        #expect(values["sonde_statsd_series"] == 4)
        #expect(values["sonde_statsd_series_overflow_total"] == 0)
        #expect(values["sonde_statsd_dropped_total"] == 0)

        // Stops promptly on cancellation and releases the port.
        task.cancel()
        try await task.value
        #expect(collector.localUDPPort == nil)
        let again = StatsDCollector(udp: "127.0.0.1:\(port)", logger: Self.quiet)
        try again.bind()
        #expect(again.localUDPPort == port)
        let rerun = Task { try await again.run() }
        rerun.cancel()
        try await rerun.value
    }

    @Test("a taken port degrades only statsd: every collect reports sonde_statsd_listening 0 and fails")
    func takenPort() async throws {
        let first = StatsDCollector(udp: "127.0.0.1:0", logger: Self.quiet)
        try first.bind()
        let port = try #require(first.localUDPPort)
        let second = StatsDCollector(udp: "127.0.0.1:\(port)", logger: Self.quiet)
        let run = Task { try await second.run() }
        let outcome = await run.result
        #expect(throws: SondeError.self) { try outcome.get() }
        var batch = MetricBatch()
        var failed = false
        do {
            try await second.collect(into: &batch)
        } catch {
            failed = true
            #expect("\(error)".contains("Address already in use"))
        }
        #expect(failed)
        #expect(batch.samples.contains { $0.labels.metricName == "sonde_statsd_listening" && $0.value == 0 })
        _ = first
    }

    @Test("IPv6 [::1] is accepted")
    func ipv6() async throws {
        let collector = StatsDCollector(udp: "[::1]:0", logger: Self.quiet)
        try collector.bind()
        let port = try #require(collector.localUDPPort)
        let task = Task { try await collector.run() }
        try sendDatagram(Array("v6.hits:5|c".utf8), udpPort: port, ipv6: true)
        try await waitForPackets(collector, 1)
        var batch = MetricBatch()
        try await collector.collect(into: &batch)
        #expect(batch.samples.contains { $0.labels.description == "v6_hits_total" && $0.value == 5 })
        #expect(batch.samples.contains { $0.labels.metricName == "sonde_statsd_dropped_total" })
        task.cancel()
        try await task.value
    }

    @Test("a Unix datagram socket in /tmp; its file is removed on stop")
    func unixSocket() async throws {
        let path = "/tmp/sonde-statsd-test-\(getpid()).sock"
        let collector = StatsDCollector(udp: nil, unixSocket: path, logger: Self.quiet)
        let task = Task { try await collector.run() }
        _ = await waitForFile(path, seconds: 5)
        try sendDatagram(Array("unix.jobs:3|c\nunix.jobs:4|c\nunix.load:0.5|g\n\u{01}bad:1|c".utf8), unixPath: path)
        try await waitForPackets(collector, 1)
        var batch = MetricBatch()
        try await collector.collect(into: &batch)
        let values = Dictionary(batch.samples.map { ($0.labels.description, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(values["unix_jobs_total"] == 7)
        #expect(values["unix_load"] == 0.5)
        #expect(values["sonde_statsd_bad_lines_total{reason=\"invalid_name\"}"] == 1)
        #expect(values["sonde_statsd_dropped_total"] == nil)  // no such counter for Unix sockets
        task.cancel()
        try await task.value
        var info = stat()
        #expect(lstat(path, &info) != 0)
    }

    @Test("a taken port is a SondeError naming the address")
    func portTaken() async throws {
        let first = StatsDCollector(udp: "127.0.0.1:0", logger: Self.quiet)
        try first.bind()
        let port = try #require(first.localUDPPort)
        let second = StatsDCollector(udp: "127.0.0.1:\(port)", logger: Self.quiet)
        do {
            try await second.run()
            Issue.record("bound a taken port")
        } catch let error as SondeError {
            #expect(error.code == .io)
            #expect(error.message.contains("127.0.0.1:\(port)"))
        }
        let task = Task { try await first.run() }
        task.cancel()
        try await task.value
    }

    @Test("bad addresses are refused before binding", arguments: ["8125", "localhost", "::1:8125", "[::1]8125", "1.2.3.4:99999", "127.0.0.1:x"])
    func badAddress(address: String) {
        let collector = StatsDCollector(udp: address, logger: Self.quiet)
        #expect(throws: SondeError.self) { try collector.bind() }
    }

    @Test("a stale socket file is replaced, a regular file is not")
    func unixPathChecks() throws {
        let path = "/tmp/sonde-statsd-test-file-\(getpid())"
        let fd = open(path, O_CREAT | O_WRONLY, 0o600)
        close(fd)
        defer { unlink(path) }
        let collector = StatsDCollector(udp: nil, unixSocket: path, logger: Self.quiet)
        #expect(throws: SondeError.self) { try collector.bind() }

        // A socket file left by a crashed run (bound, never unlinked).
        let stalePath = "/tmp/sonde-statsd-test-stale-\(getpid()).sock"
        let stale = StatsDCollector(udp: nil, unixSocket: stalePath, logger: Self.quiet)
        try stale.bind()
        let replacement = StatsDCollector(udp: nil, unixSocket: stalePath, logger: Self.quiet)
        try replacement.bind()
        try sendDatagram(Array("x:1|c".utf8), unixPath: stalePath)
        unlink(stalePath)
    }

    @Test("cancelled before it starts, run returns")
    func cancelledEarly() async throws {
        let collector = StatsDCollector(udp: "127.0.0.1:0", logger: Self.quiet)
        let task = Task { try await collector.run() }
        task.cancel()
        try await task.value
    }

    @Test("a datagram bigger than the receive buffer is counted as truncated")
    func truncated() async throws {
        let collector = StatsDCollector(udp: "127.0.0.1:0", logger: Self.quiet)
        collector.ingest(UnsafeRawBufferPointer(start: nil, count: 0), truncated: true)
        var batch = MetricBatch()
        try await collector.collect(into: &batch)
        #expect(batch.samples.contains { $0.labels.description == "sonde_statsd_bad_lines_total{reason=\"truncated\"}" && $0.value == 1 })
    }

    // MARK: Helpers

    private func waitForPackets(_ collector: StatsDCollector, _ count: Int) async throws {
        _ = await waitUntil(seconds: 5) { collector.packetsReceived >= UInt64(count) }
        #expect(collector.packetsReceived == UInt64(count))
    }
}

/// Sends one datagram to 127.0.0.1 / ::1 or to a Unix socket.
func sendDatagram(_ bytes: [UInt8], udpPort: Int? = nil, ipv6: Bool = false, unixPath: String? = nil) throws {
    struct SendFailed: Error { let errno: Int32 }
    let family = unixPath != nil ? AF_UNIX : (ipv6 ? AF_INET6 : AF_INET)
    let fd = socket(family, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { throw SendFailed(errno: errno) }
    defer { close(fd) }
    var sent = -1
    if let unixPath {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in unixPath.utf8.enumerated() { buffer[index] = byte }
        }
        sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    } else if ipv6, let udpPort {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = UInt16(udpPort).bigEndian
        address.sin6_addr = in6addr_loopback
        sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
    } else if let udpPort {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(udpPort).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
    guard sent == bytes.count else { throw SendFailed(errno: errno) }
}
