#if canImport(Glibc)
import Glibc
#endif
import Logging
import SondeCore
import Synchronization

/// sonde's on-disk time-series store: a fixed disk budget, preallocated and never exceeded, holding
/// every series in three tiers (raw, 1-minute and 1-hour rollups) of ring files that overwrite their
/// oldest data when full.
///
/// One writer, many readers: appends take a short lock; a query takes the same lock only to copy
/// the open chunks and the segment list it needs, then reads the disk without it. Everything
/// appended is durable after the next `flush` (the head log); `close` leaves a snapshot so the next
/// open starts without replay. It is not a fleet database: one host, one process writing.
public final class Store: Sendable {
    public let directory: String
    let engine: Mutex<StoreEngine>
    private let lockDescriptor: Int32
    /// What opening found; see `RecoveryReport`.
    public let recovery: RecoveryReport

    /// Opens (creating when absent, unless read-only) the store in `directory`.
    /// - Parameter readOnly: for inspection while another process may be writing: nothing is
    ///   written, no lock is taken, the writer's recent appends are read from its head log.
    public static func open(directory: String, options: StoreOptions = StoreOptions(), readOnly: Bool = false, logger: Logger? = nil) throws(SondeError) -> Store {
        try Store(directory: directory, options: options, readOnly: readOnly, logger: logger)
    }

    private init(directory: String, options: StoreOptions, readOnly: Bool, logger: Logger?) throws(SondeError) {
        self.directory = directory
        let metaPath = directory + "/" + StoreFiles.meta
        let backupPath = directory + "/" + StoreFiles.metaBackup
        var layout: StoreLayout?
        for path in [metaPath, backupPath] where layout == nil && StoreFile.exists(path) {
            if let file = try? StoreFile(path: path, mode: .readOnly), let bytes = try? file.read(at: 0, count: StoreLayout.metaFileBytes) {
                layout = StoreLayout.decode(bytes)
            }
        }
        let create = layout == nil && !StoreFile.exists(directory + "/" + StoreFiles.seriesIndex)
        if layout == nil && !create {
            throw SondeError(.corrupt, "\(metaPath) and its backup are unreadable; the store's layout is unknown")
        }
        if create && readOnly {
            throw SondeError(.notFound, "no store in \(directory) (run `sonde import` or `sonde run` to create one)")
        }
        if create { try StoreFile.makeDirectory(directory) }

        if readOnly {
            lockDescriptor = -1
        } else {
            let fd = LibC.open(directory + "/" + StoreFiles.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw StoreFile.error("cannot open", directory + "/" + StoreFiles.lock) }
            // A lock just released can still be held for a moment by a child process between its
            // fork and exec (the descriptor is close-on-exec), so a refusal is retried briefly.
            var locked = false
            for _ in 0..<50 where !locked {
                locked = flock(fd, LOCK_EX | LOCK_NB) == 0
                if !locked { usleep(10_000) }
            }
            guard locked else {
                LibC.close(fd)
                throw SondeError(.io, "the store in \(directory) is in use by another sonde process")
            }
            lockDescriptor = fd
        }

        do {
            let shape = try layout ?? StoreLayout(options: options)
            if create {
                let meta = shape.encoded()
                try StoreFile.writeAtomically(meta, to: backupPath, directory: directory)
                try StoreFile.writeAtomically(meta, to: metaPath, directory: directory)
            } else if !readOnly {
                // Repair a damaged copy of the meta file from the good one.
                let meta = shape.encoded()
                for path in [metaPath, backupPath] {
                    let current = (try? StoreFile(path: path, mode: .readOnly))?.readAll()
                    if current.flatMap(StoreLayout.decode) != shape { try StoreFile.writeAtomically(meta, to: path, directory: directory) }
                }
            }
            let engine = try StoreEngine(directory: directory, layout: shape, options: options, readOnly: readOnly, create: create)
            var report = try engine.recover()
            report.created = create
            if !readOnly { try engine.snapshot() }
            if report.droppedAnything {
                logger?.warning("store recovery dropped damaged data", metadata: [
                    "store.directory": "\(directory)",
                    "store.dropped": "\(report.dropped.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
                ])
            }
            self.recovery = report
            self.engine = Mutex(engine)
        } catch {
            if lockDescriptor >= 0 { LibC.close(lockDescriptor) }
            throw error as? SondeError ?? SondeError(.io, "cannot open the store in \(directory)", cause: error)
        }
    }

    deinit {
        if lockDescriptor >= 0 { LibC.close(lockDescriptor) }
    }

    // MARK: writing

    /// A series' handle for fast appends; nil when the series is rejected (limit, invalid), which is counted.
    public func seriesRef(_ labels: Labels) -> SeriesRef? {
        engine.withLock { engine in
            guard case .success(let ref) = engine.ref(for: labels) else { return nil }
            return SeriesRef(ref)
        }
    }

    /// Appends one sample; returns why it was not stored, or nil when it was.
    @discardableResult
    public func append(_ ref: SeriesRef, timestamp: Int64, value: Double) -> RejectReason? {
        engine.withLock { $0.append(ref: ref.value, timestamp: timestamp, value: value) }
    }

    /// Appends one sample to the series named by `labels`.
    @discardableResult
    public func append(_ labels: Labels, timestamp: Int64, value: Double) -> RejectReason? {
        engine.withLock { engine in
            switch engine.ref(for: labels) {
            case .success(let ref): return engine.append(ref: ref, timestamp: timestamp, value: value)
            case .failure(let reason): return reason
            }
        }
    }

    /// Appends many samples under one lock acquisition.
    public func append(_ batch: SampleBatch) {
        let refs = batch.refs.map(\.value)
        engine.withLock { engine in
            engine.append(refs: refs, timestamps: batch.timestamps, values: batch.values)
        }
    }

    /// Makes everything appended so far durable. Call every flush interval.
    public func flush(now: Int64 = SystemClock().wallMilliseconds) throws(SondeError) {
        try engine.withLock { (engine) throws(SondeError) in try engine.flush(now: now) }
    }

    /// Seals every open chunk into the rings (used at the end of a bulk import, for density).
    public func sealAll() {
        engine.withLock { $0.sealAll() }
    }

    /// Flushes and snapshots so the next open needs no replay. The store stays usable.
    public func close(now: Int64 = SystemClock().wallMilliseconds) throws(SondeError) {
        try engine.withLock { (engine) throws(SondeError) in
            try engine.flush(now: now)
            try engine.snapshot()
        }
    }

    public var counters: StoreCounters { engine.withLock { $0.counters } }

}

/// A handle to a series, valid for the store that returned it.
public struct SeriesRef: Hashable, Sendable {
    let value: UInt32
    init(_ value: UInt32) { self.value = value }
}

/// Samples to append together (struct of arrays, reused between batches).
public struct SampleBatch: Sendable {
    public var refs: [SeriesRef] = []
    public var timestamps: [Int64] = []
    public var values: [Double] = []

    public init() {}

    public mutating func add(_ ref: SeriesRef, timestamp: Int64, value: Double) {
        refs.append(ref)
        timestamps.append(timestamp)
        values.append(value)
    }

    public var count: Int { refs.count }

    public mutating func removeAll() {
        refs.removeAll(keepingCapacity: true)
        timestamps.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }
}

extension StoreFile {
    func readAll() -> [UInt8]? {
        guard let size = try? self.size else { return nil }
        return try? read(at: 0, count: size)
    }
}
