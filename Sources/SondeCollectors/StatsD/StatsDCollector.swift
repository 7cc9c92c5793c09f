#if canImport(Glibc)
import Glibc
#endif
import Logging
import SondeCore
import Synchronization

/// Receives StatsD / DogStatsD datagrams (what Python's `statsd` and `datadog` clients send) on UDP
/// and/or a Unix datagram socket, aggregates them per interval, and hands the aggregates to the
/// scheduler on each `collect`.
///
/// `run()` binds the sockets (unless `bind()` already did), asks for a large receive buffer, and
/// receives on a dedicated thread until cancelled; then it closes the sockets (and removes the
/// Unix socket file). Bad lines are counted by reason, never thrown. See `StatsDAggregator` for the
/// series produced; `collect` adds these self-metrics:
///
/// - `sonde_statsd_packets_total`: datagrams received;
/// - `sonde_statsd_metrics_total`: lines aggregated;
/// - `sonde_statsd_bad_lines_total{reason}`: lines refused, one series per `StatsDRejection`;
/// - `sonde_statsd_series_overflow_total`: lines dropped by the `maxSeries` cap;
/// - `sonde_statsd_series`: series held;
/// - `sonde_statsd_dropped_total`: datagrams the kernel dropped on the UDP socket (full receive
///   buffer), from /proc/net/udp{,6}; absent without a UDP socket;
/// - `sonde_statsd_receive_buffer_bytes{socket}`: the receive buffer the kernel granted.
///
/// It does not forward, relay or repeat metrics to another statsd, and has no mapping rules.
public final class StatsDCollector: ListeningCollector {
    public let name = "statsd"

    /// The sockets to listen on and how to aggregate.
    public struct Settings: CollectorSettings {
        public var udp: String?
        public var unixSocket: String?
        public var quantiles: [Double]
        public var maxSeries: Int
        public var procRoot: String

        public init(udp: String?, unixSocket: String?, quantiles: [Double] = [0.5, 0.9, 0.99], maxSeries: Int = 10_000, procRoot: String = "/proc") {
            self.udp = udp
            self.unixSocket = unixSocket
            self.quantiles = quantiles
            self.maxSeries = maxSeries
            self.procRoot = procRoot
        }

        /// `collectors.statsd`.
        public init(_ config: StatsDCollectorConfig, procRoot: String = "/proc") {
            self.init(udp: config.listen?.description, unixSocket: config.unixSocket, quantiles: config.quantiles, maxSeries: config.maxSeries, procRoot: procRoot)
        }

        /// Whether there is a socket to listen on at all.
        public var listens: Bool { udp != nil || unixSocket != nil }
    }
    public let udpAddress: String?
    public let unixSocketPath: String?
    public let receiveBufferBytes: Int
    let procRoot: String
    let logger: Logger

    private struct Counts: Sendable {
        var aggregator: StatsDAggregator
        var packets: UInt64 = 0
        var metrics: UInt64 = 0
        var badLines: [StatsDRejection: UInt64] = [:]
    }

    private struct Sockets: Sendable {
        var bound: [StatsDSocket] = []
        var running = false
        /// The write end of the running loop's wake-up pipe.
        var wakeDescriptor: Int32 = -1
        /// Why the listener could not start (a taken port, say): reported by every `collect`.
        var failure: String?
    }

    private let counts: Mutex<Counts>
    private let sockets = Mutex(Sockets())

    /// - Parameters:
    ///   - udp: `host:port` or `[v6]:port` (`:port` for every interface; port 0 picks a free one,
    ///     see `localUDPPort`); nil for no UDP socket.
    ///   - unixSocket: path of a Unix datagram socket to create; nil for none.
    ///   - quantiles: of timers and histograms; values outside [0, 1] are ignored.
    ///   - maxSeries: the cardinality cap; lines beyond it are dropped and counted.
    ///   - receiveBufferBytes: SO_RCVBUF asked for; without CAP_NET_ADMIN the kernel caps it at
    ///     `net.core.rmem_max` (often 208 KiB: raise it with sysctl for bursty senders).
    ///   - procRoot: where /proc is, for the UDP drop count.
    public init(
        udp: String? = "127.0.0.1:8125", unixSocket: String? = nil, quantiles: [Double] = [0.5, 0.9, 0.99],
        maxSeries: Int = 10_000, receiveBufferBytes: Int = 8 << 20, procRoot: String = "/proc",
        logger: Logger = Logger(label: "sonde.statsd")
    ) {
        self.udpAddress = udp
        self.unixSocketPath = unixSocket
        self.receiveBufferBytes = receiveBufferBytes
        self.procRoot = procRoot
        self.logger = logger
        self.counts = Mutex(Counts(aggregator: StatsDAggregator(quantiles: quantiles, maxSeries: maxSeries)))
    }

    public convenience init(settings: Settings, logger: Logger = Logger(label: "sonde.statsd")) {
        self.init(
            udp: settings.udp, unixSocket: settings.unixSocket, quantiles: settings.quantiles, maxSeries: settings.maxSeries, procRoot: settings.procRoot,
            logger: logger)
    }

    /// The bound UDP port while bound (the real one when port 0 was asked for).
    public var localUDPPort: Int? {
        sockets.withLock { state in state.bound.lazy.compactMap(\.port).first }
    }

    /// Datagrams received so far (truncated ones included).
    public var packetsReceived: UInt64 { counts.withLock { $0.packets } }

    /// Binds the configured sockets now, so that address errors surface before `run` and the
    /// port is known; `run` binds them itself otherwise. Does nothing when already bound.
    public func bind() throws(SondeError) {
        try sockets.withLock { (state: inout Sockets) throws(SondeError) in
            if !state.bound.isEmpty { return }
            guard udpAddress != nil || unixSocketPath != nil else {
                throw SondeError(.invalidArgument, "statsd: neither a UDP address nor a Unix socket is configured")
            }
            var bound: [StatsDSocket] = []
            do throws(SondeError) {
                if let udpAddress { bound.append(try StatsDSocket.bindUDP(udpAddress, receiveBufferBytes: receiveBufferBytes)) }
                if let unixSocketPath { bound.append(try StatsDSocket.bindUnix(unixSocketPath, receiveBufferBytes: receiveBufferBytes)) }
            } catch {
                for socket in bound { socket.close() }
                throw error
            }
            state.bound = bound
        }
    }

    public func run() async throws {
        do {
            try bind()
            sockets.withLock { $0.failure = nil }
        } catch {
            sockets.withLock { $0.failure = error.message }
            throw error
        }
        let wake = try makeWakePipe()
        let bound: [StatsDSocket]? = sockets.withLock { state in
            if state.running { return nil }
            state.running = true
            state.wakeDescriptor = wake.write
            return state.bound
        }
        guard let bound else {
            _ = close(wake.read)
            _ = close(wake.write)
            throw SondeError(.invalidArgument, "statsd: run() is already running")
        }
        for socket in bound {
            var metadata: Logger.Metadata = [
                "collector.name": "statsd", "statsd.socket": "\(socket.description)",
                "statsd.receive_buffer_bytes": "\(socket.receiveBufferBytes)",
            ]
            if let port = socket.port { metadata["statsd.port"] = "\(port)" }
            logger.info("statsd listening", metadata: metadata)
            // The kernel reports twice what it granted.
            if socket.receiveBufferBytes / 2 < receiveBufferBytes {
                logger.notice(
                    "statsd receive buffer smaller than asked (capped by net.core.rmem_max); bursts may be dropped",
                    metadata: ["statsd.socket": "\(socket.description)", "statsd.receive_buffer_bytes": "\(socket.receiveBufferBytes)"])
            }
        }

        let failure: SondeError? = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<SondeError?, Never>) in
                do throws(SondeError) {
                    try startDetachedThread { [self] in
                        let error = StatsDReceiveLoop.run(sockets: bound, wakeDescriptor: wake.read) { packet, truncated in
                            ingest(packet, truncated: truncated)
                        }
                        continuation.resume(returning: error)
                    }
                } catch {
                    continuation.resume(returning: error)
                }
            }
        } onCancel: {
            sockets.withLock { state in
                if state.wakeDescriptor >= 0 {
                    var byte: UInt8 = 1
                    _ = write(state.wakeDescriptor, &byte, 1)
                }
            }
        }

        sockets.withLock { state in
            for socket in state.bound { socket.close() }
            state.bound = []
            state.running = false
            _ = close(state.wakeDescriptor)
            state.wakeDescriptor = -1
        }
        _ = close(wake.read)
        logger.info("statsd stopped", metadata: ["collector.name": "statsd"])
        if let failure { throw failure }
    }

    private func makeWakePipe() throws(SondeError) -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else {
            throw SondeError(.io, "statsd: cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(descriptors[1], F_SETFL, O_NONBLOCK)
        return (descriptors[0], descriptors[1])
    }

    /// Feeds one datagram as if it had arrived on a socket (the receive thread calls this; tests
    /// and benchmarks may too).
    public func ingest(_ packet: UnsafeRawBufferPointer, truncated: Bool = false) {
        counts.withLock { state in
            state.packets &+= 1
            if truncated {
                state.badLines[.truncated, default: 0] &+= 1
                return
            }
            StatsDParser.forEachLine(in: packet) { outcome in
                switch outcome {
                case .empty:
                    break
                case .rejected(let reason):
                    state.badLines[reason, default: 0] &+= 1
                case .metric(let line):
                    switch state.aggregator.add(line) {
                    case .accepted: state.metrics &+= 1
                    case .rejected(let reason): state.badLines[reason, default: 0] &+= 1
                    case .overflow: break  // counted by the aggregator
                    }
                }
            }
        }
    }

    /// `ingest` for a byte array.
    public func ingest(_ packet: [UInt8]) {
        packet.withUnsafeBytes { ingest($0) }
    }

    public func collect(into batch: inout MetricBatch) async throws {
        var drained = MetricBatch()
        let snapshot = counts.withLock { state in
            state.aggregator.flush(into: &drained)
            return (
                packets: state.packets, metrics: state.metrics, badLines: state.badLines,
                overflow: state.aggregator.overflow, series: state.aggregator.seriesCount
            )
        }
        for sample in drained.samples { batch.add(sample) }
        batch.add("sonde_statsd_packets_total", Double(snapshot.packets))
        batch.add("sonde_statsd_metrics_total", Double(snapshot.metrics))
        for reason in StatsDRejection.allCases {
            batch.add("sonde_statsd_bad_lines_total", Double(snapshot.badLines[reason] ?? 0), [("reason", reason.rawValue)])
        }
        batch.add("sonde_statsd_series_overflow_total", Double(snapshot.overflow))
        batch.add("sonde_statsd_series", Double(snapshot.series))

        let bound = sockets.withLock { $0.bound }
        for socket in bound {
            batch.add("sonde_statsd_receive_buffer_bytes", Double(socket.receiveBufferBytes), [("socket", socket.description)])
            if socket.port != nil, let drops = ProcNetUDP.readDrops(procRoot: procRoot, inode: socket.inode) {
                batch.add("sonde_statsd_dropped_total", Double(drops))
            }
        }
        // A listener that could not start degrades this collector only, and says so every round.
        let failure = sockets.withLock { $0.failure }
        batch.add("sonde_statsd_listening", failure == nil ? 1 : 0)
        if let failure { throw SondeError(.io, failure) }
    }
}
