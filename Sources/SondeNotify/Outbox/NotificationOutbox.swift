#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SondeCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Notifications waiting for delivery, one file each in the data directory's `notify-outbox/`.
///
/// A notification is written and fsynced (file, then directory) before its first attempt, and its
/// file is removed only after the receiver accepted it; so after a crash or kill -9 every
/// notification not yet accepted is sent again, with the same body and the same deduplication key.
/// Entries older than `maxAge` are dropped; when the outbox would exceed `maxBytes` the oldest
/// entries make room. Either way the caller is told what was dropped, to count and log it.
///
/// A file that does not read back (a torn write cannot produce one, as files are renamed into
/// place complete; a disk error or a hand edit can) is moved aside as `*.bad` and reported.
public final class NotificationOutbox: Sendable {
    /// A notification as the outbox keeps it: rendered once, so every attempt sends the same bytes.
    public struct Entry: Sendable, Equatable, Codable {
        /// Unique and increasing: the order of arrival.
        public var sequence: UInt64
        /// The receiver integration it goes to, `ops/webhook/0`.
        public var integration: String
        public var groupKey: String
        /// Milliseconds since the epoch.
        public var createdAt: Int64
        /// Stable across attempts and restarts: the webhook's `Idempotency-Key`, SNS's FIFO
        /// deduplication id.
        public var deduplicationKey: String
        public var body: Data
        /// Extra parameters the integration needs to send it (an SNS subject, attributes).
        public var fields: [String: String]

        public var byteCount: Int { body.count + fields.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count } + groupKey.utf8.count + 128 }
    }

    /// What to enqueue: an entry before it has a sequence number.
    public struct NewEntry: Sendable {
        public var integration: String
        public var groupKey: String
        public var deduplicationKey: String
        public var body: [UInt8]
        public var fields: [String: String]

        public init(integration: String, groupKey: String, deduplicationKey: String, body: [UInt8], fields: [String: String] = [:]) {
            self.integration = integration
            self.groupKey = groupKey
            self.deduplicationKey = deduplicationKey
            self.body = body
            self.fields = fields
        }
    }

    /// What opening found.
    public struct OpenReport: Sendable, Equatable {
        public var loaded = 0
        /// Files that did not read back, now `*.bad`.
        public var unreadable: [String] = []
    }

    public let directory: String
    public let maxBytes: Int
    public let maxAge: Duration

    struct State {
        var entries: [UInt64: Entry] = [:]
        var bytes = 0
        var nextSequence: UInt64 = 1
    }

    private let state: Mutex<State>

    /// What opening found.
    public let openReport: OpenReport

    /// Opens (creating) the outbox in `directory`, reading back what a previous run left.
    public init(directory: String, maxBytes: Int = 64 << 20, maxAge: Duration = .seconds(24 * 3600)) throws(SondeError) {
        self.directory = directory
        self.maxBytes = maxBytes
        self.maxAge = maxAge
        if mkdir(directory, 0o750) != 0, errno != EEXIST {
            throw SondeError(.io, "cannot create \(directory): \(String(cString: strerror(errno)))")
        }
        var state = State()
        var report = OpenReport()
        for name in try Self.fileNames(in: directory) {
            let path = directory + "/" + name
            if name.hasSuffix(".tmp") {
                unlink(path)  // a write that never finished: its notification was never handed over
                continue
            }
            guard name.hasSuffix(".entry") else { continue }
            guard let bytes = try? TextFile.readBytes(path), let entry = try? JSONDecoder().decode(Entry.self, from: Data(bytes)),
                name == Self.fileName(entry.sequence)
            else {
                rename(path, path + ".bad")
                report.unreadable.append(name)
                continue
            }
            state.entries[entry.sequence] = entry
            state.bytes += entry.byteCount
            state.nextSequence = max(state.nextSequence, entry.sequence + 1)
            report.loaded += 1
        }
        self.state = Mutex(state)
        openReport = report
    }

    /// Writes entries durably (each file fsynced, then the directory once) and returns them with
    /// their sequence numbers, and the entries that had to make room (oldest first).
    public func enqueue(_ new: [NewEntry], now: Int64) throws(SondeError) -> (added: [Entry], dropped: [Entry]) {
        var added: [Entry] = []
        for item in new {
            let sequence = state.withLock { state in
                defer { state.nextSequence += 1 }
                return state.nextSequence
            }
            let entry = Entry(
                sequence: sequence, integration: item.integration, groupKey: item.groupKey, createdAt: now,
                deduplicationKey: item.deduplicationKey, body: Data(item.body), fields: item.fields)
            let bytes: [UInt8]
            do {
                bytes = Array(try JSONEncoder().encode(entry))
            } catch {
                throw SondeError(.io, "cannot encode a notification: \(error)")
            }
            try AtomicFile.replace(directory + "/" + Self.fileName(sequence), with: bytes)
            added.append(entry)
        }
        try AtomicFile.syncDirectory(directory)
        var dropped: [Entry] = []
        state.withLock { state in
            for entry in added {
                state.entries[entry.sequence] = entry
                state.bytes += entry.byteCount
            }
            while state.bytes > maxBytes, let oldest = state.entries.keys.min(), let entry = state.entries[oldest] {
                guard !added.contains(where: { $0.sequence == oldest }) || state.entries.count > 1 else { break }
                state.entries[oldest] = nil
                state.bytes -= entry.byteCount
                dropped.append(entry)
            }
        }
        for entry in dropped { unlink(directory + "/" + Self.fileName(entry.sequence)) }
        return (added, dropped)
    }

    /// The entries waiting for `integration`, oldest first.
    public func pending(for integration: String) -> [Entry] {
        state.withLock { state in state.entries.values.filter { $0.integration == integration }.sorted { $0.sequence < $1.sequence } }
    }

    /// Every entry, oldest first.
    public var all: [Entry] {
        state.withLock { state in state.entries.values.sorted { $0.sequence < $1.sequence } }
    }

    /// The receiver took it (or refused it for good): it leaves the outbox.
    public func remove(_ sequence: UInt64) {
        let removed = state.withLock { state in
            guard let entry = state.entries.removeValue(forKey: sequence) else { return false }
            state.bytes -= entry.byteCount
            return true
        }
        if removed { unlink(directory + "/" + Self.fileName(sequence)) }
    }

    /// Drops the entries older than `maxAge` and returns them.
    public func expire(now: Int64) -> [Entry] {
        let limit = now - maxAge.inMilliseconds
        let expired = state.withLock { state in
            let old = state.entries.values.filter { $0.createdAt < limit }.sorted { $0.sequence < $1.sequence }
            for entry in old {
                state.entries[entry.sequence] = nil
                state.bytes -= entry.byteCount
            }
            return old
        }
        for entry in expired { unlink(directory + "/" + Self.fileName(entry.sequence)) }
        return expired
    }

    /// For `sonde_notify_outbox_entries`, `sonde_notify_outbox_oldest_seconds` and the byte bound.
    public var statistics: (entries: Int, bytes: Int, oldestCreatedAt: Int64?) {
        state.withLock { state in (state.entries.count, state.bytes, state.entries.values.map(\.createdAt).min()) }
    }

    // MARK: - Files

    static func fileName(_ sequence: UInt64) -> String { Hex.padded(sequence, width: 16) + ".entry" }

    static func fileNames(in directory: String) throws(SondeError) -> [String] {
        guard let handle = opendir(directory) else { throw SondeError(.io, "cannot read \(directory): \(String(cString: strerror(errno)))") }
        defer { closedir(handle) }
        var names: [String] = []
        while let item = readdir(handle) {
            let name = withUnsafePointer(to: item.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
