import SondeCore

/// What the collector saw of the file at the log path (or through its open descriptor).
public struct LogTailFileSnapshot: Sendable, Hashable {
    public var identity: FileIdentity
    public var size: UInt64
    /// The first up-to-1024 bytes; nil when the collector did not read them (no comparison then).
    public var fingerprint: [UInt8]?

    public init(identity: FileIdentity, size: UInt64, fingerprint: [UInt8]?) {
        self.identity = identity
        self.size = size
        self.fingerprint = fingerprint
    }
}

/// Inputs of `LogTailState`.
public enum LogTailEvent: Sendable, Hashable {
    /// The position saved in the data directory, sent once before the first `opened`.
    case restored(TailPosition)
    /// The collector opened the path (after `.open`/`.reopen`); identity and size from `fstat` of
    /// the new descriptor, fingerprint from `pread` at 0.
    case opened(LogTailFileSnapshot)
    /// Opening the path failed (ENOENT…); the collector retries on its next tick.
    case openFailed
    /// A periodic `stat` of the path (not of the descriptor); nil when the path does not exist.
    /// `now` (milliseconds, any clock that only moves forward) times the wait after a rotation.
    case statResult(LogTailFileSnapshot?, now: Int64 = 0)
    /// A read asked for by `.readFrom` finished: `bytesRead` (0 = end of file), the number of bytes
    /// after the last newline seen so far (the framer's carried partial line, counted even when a
    /// too-long line is being skipped) and how many too-long lines this read completed.
    case readCompleted(bytesRead: UInt64, carriedBytes: UInt64, tooLongLines: Int)
    /// The collector finished `.finishRotated` (found = a rotated file matched and was read).
    case rotatedFinished(found: Bool)
}

/// Outputs of `LogTailState`, to be carried out in order.
public enum LogTailAction: Sendable, Hashable {
    /// Open the log path and reply `.opened` or `.openFailed`.
    case open
    /// Read the open descriptor from this offset (e.g. `pread`, bounded chunk) into the line framer,
    /// then reply `.readCompleted`.
    case readFrom(offset: UInt64)
    /// The old descriptor is read to its end: close it, open the path, reply `.opened`.
    case reopen
    /// The lines after `offset` of the file this position points to are no longer at the path:
    /// it was rotated while the agent was stopped, or copied away and truncated (copytruncate).
    /// Find it next to the path, never the path itself (`app.log.1` with this identity, or a sibling
    /// such as `app.log.1` / `app.log.1.gz` whose decompressed start equals `fingerprint` and that is
    /// at least `offset` long), read its lines from `offset` to its end (and any rotations made after
    /// it, which were never read), then reply `.rotatedFinished`.
    case finishRotated(identity: FileIdentity, offset: UInt64, fingerprint: [UInt8])
    /// The file starts over (copytruncate, replaced while stopped): drop the framer's carried bytes;
    /// reading continues at 0 on the same descriptor.
    case seekStart
    /// End of a rotated file whose last line has no newline: hand the framer's carried bytes on as a line.
    case flushCarried
    /// Save this position to the data directory (atomically; the collector may coalesce writes).
    case persist(TailPosition)
    /// Count a truncation or in-place replacement (`sonde_gunicorn_log_truncations_total`).
    case countTruncation
    /// Count a rotation the tailer followed (`…_log_rotations_total`).
    case countRotation
    /// Count lines skipped for exceeding the limit (`…_log_lines_skipped_total{reason="too_long"}`).
    case countTooLong(Int)
}

/// Follows one log path through rotations, as a pure state machine: events in, actions out, no I/O.
///
/// Handles rename + create (drains the old descriptor to its end, and while the new file is still
/// empty until the old one has been quiet for `rotateWaitMilliseconds`, since a writer reopens its
/// log a moment after the rename; then switches),
/// copytruncate (same identity, smaller size or different first bytes: finish the copy from where
/// reading stopped, then restart at 0), delete + recreate (keeps reading the deleted file's descriptor
/// until a new file appears), a file replaced or rotated while the agent was stopped (from the restored
/// position's fingerprint and identity), and partial last lines (the persisted offset stays at the
/// last newline). It does not split lines or look at their contents: `LogTailLineFramer` does that
/// for the collector.
public struct LogTailState: Sendable {
    enum Phase: Sendable, Equatable {
        /// Nothing open.
        case closed
        /// `.open`/`.reopen` sent, waiting for `.opened`.
        case opening
        /// Reading the file at the path.
        case following
        /// The path holds another file: reading the open old descriptor to its end.
        case draining
        /// `.finishRotated` sent; the file at the path is open and waits at 0.
        case finishingRotated
    }

    struct Cursor: Sendable, Equatable {
        var identity: FileIdentity
        var fingerprint: [UInt8]
        /// End of the last complete line.
        var committed: UInt64
        /// Bytes read after `committed` (partial line held by the framer).
        var carried: UInt64
        var readOffset: UInt64 { committed + carried }
        var position: TailPosition { TailPosition(identity: identity, offset: committed, fingerprint: fingerprint) }
    }

    private(set) var phase: Phase = .closed
    private(set) var cursor: Cursor?
    private var restored: TailPosition?
    /// A read is outstanding; no second `.readFrom` is issued until it completes.
    private var reading = false
    /// How long a rotated-away file must stay quiet at its end before the tailer moves on.
    public let rotateWaitMilliseconds: Int64
    /// The latest `now` of a `.statResult`.
    private var now: Int64 = 0
    /// While draining: when the old file was first found at its end with nothing new.
    private var quietSince: Int64?
    /// While draining: the size of the file now at the path. Once it has lines, the writer has
    /// reopened its log, and the old file is finished as soon as it is read to its end.
    private var replacementSize: UInt64 = 0

    public init(rotateWaitMilliseconds: Int64 = 0) {
        self.rotateWaitMilliseconds = rotateWaitMilliseconds
    }

    /// The position that would be persisted now (nil before the first open).
    public var position: TailPosition? { cursor?.position }

    public mutating func handle(_ event: LogTailEvent) -> [LogTailAction] {
        switch event {
        case .restored(let position):
            // Before the first open, or before reopening after a rotation (what the file at the
            // path looked like when it was first seen).
            if phase == .closed && cursor == nil || phase == .opening { restored = position }
            return []
        case .opened(let snapshot):
            return opened(snapshot)
        case .openFailed:
            if phase == .opening { phase = .closed }
            return []
        case .statResult(let snapshot, let now):
            self.now = max(self.now, now)
            return stat(snapshot)
        case .readCompleted(let bytesRead, let carriedBytes, let tooLong):
            return readCompleted(bytesRead, carriedBytes, tooLong)
        case .rotatedFinished:
            guard phase == .finishingRotated, var c = cursor else { return [] }
            phase = .following
            c.committed = 0
            c.carried = 0
            cursor = c
            return [.persist(c.position)] + read()
        }
    }

    // MARK: transitions

    private mutating func opened(_ s: LogTailFileSnapshot) -> [LogTailAction] {
        guard phase == .opening || phase == .closed else { return [] }
        reading = false
        let fingerprint = s.fingerprint ?? []
        var fresh = Cursor(identity: s.identity, fingerprint: fingerprint, committed: 0, carried: 0)
        var actions: [LogTailAction] = []
        if let saved = restored {
            restored = nil
            let sameContent = Self.matches(saved: saved.fingerprint, current: s.fingerprint) && s.size >= saved.offset
            if saved.identity == s.identity || (sameContent && !saved.fingerprint.isEmpty) {
                if sameContent {
                    // Same file (or the same bytes under a renumbered device): continue.
                    fresh.committed = saved.offset
                    fresh.fingerprint = Self.longer(saved.fingerprint, fingerprint)
                } else {
                    // Same identity, other bytes or shorter: truncated (copytruncate) or replaced while
                    // stopped. A copy next to the path may still hold the unread lines.
                    cursor = fresh
                    phase = .finishingRotated
                    return [
                        .countTruncation,
                        .finishRotated(identity: saved.identity, offset: saved.offset, fingerprint: saved.fingerprint),
                    ]
                }
            } else if saved.offset > 0 || !saved.fingerprint.isEmpty {
                // Another file at the path: finish the rotated one first, then start this one at 0.
                cursor = fresh
                phase = .finishingRotated
                return [
                    .countRotation,
                    .finishRotated(identity: saved.identity, offset: saved.offset, fingerprint: saved.fingerprint),
                ]
            }
        }
        cursor = fresh
        phase = .following
        actions.append(.persist(fresh.position))
        return actions + read()
    }

    private mutating func stat(_ s: LogTailFileSnapshot?) -> [LogTailAction] {
        switch phase {
        case .closed:
            guard s != nil else { return [] }
            phase = .opening
            return [.open]
        case .opening, .finishingRotated:
            return []
        case .draining:
            if let s, s.identity != cursor?.identity { replacementSize = s.size }
            return read()
        case .following:
            guard var c = cursor else { return [] }
            // Missing path (deleted, or renamed with no new file yet): keep reading the descriptor.
            guard let s else { return read() }
            if s.identity != c.identity {
                phase = .draining
                quietSince = nil
                replacementSize = s.size
                return [.countRotation] + read()
            }
            let replaced = s.fingerprint.map { !Self.matches(saved: c.fingerprint, current: $0) } ?? false
            if s.size < c.readOffset || replaced {
                // copytruncate (or rewritten in place): the file starts over. The lines written between
                // the last read and the truncation are in the copy, if there is one: finish it first.
                let old = c.position
                c.committed = 0
                c.carried = 0
                c.fingerprint = s.fingerprint ?? []
                cursor = c
                reading = false
                phase = .finishingRotated
                return [
                    .countTruncation, .seekStart,
                    .finishRotated(identity: old.identity, offset: old.offset, fingerprint: old.fingerprint),
                ]
            }
            if let fp = s.fingerprint, fp.count > c.fingerprint.count { c.fingerprint = fp }
            cursor = c
            return s.size > c.readOffset ? read() : []
        }
    }

    private mutating func readCompleted(_ bytesRead: UInt64, _ carriedBytes: UInt64, _ tooLong: Int) -> [LogTailAction] {
        guard phase == .following || phase == .draining, reading, var c = cursor else { return [] }
        reading = false
        let end = c.readOffset + bytesRead
        let carried = min(carriedBytes, end)
        var actions: [LogTailAction] = []
        if tooLong > 0 { actions.append(.countTooLong(tooLong)) }
        let before = c.committed
        c.committed = end - carried
        c.carried = carried
        cursor = c
        if c.committed != before { actions.append(.persist(c.position)) }
        if bytesRead > 0 {
            quietSince = nil
            return actions + read()
        }
        if phase == .draining {
            // The writer may still append to the old file until it reopens its log: unless the new
            // file already has lines, wait until the old one has been quiet for the rotate wait,
            // reading it again on every stat.
            let since = quietSince ?? now
            quietSince = since
            if replacementSize == 0, now - since < rotateWaitMilliseconds { return actions }
            // End of the old file: its unterminated last line will never be finished.
            quietSince = nil
            if c.carried > 0 { actions.append(.flushCarried) }
            phase = .opening
            return actions + [.reopen]
        }
        return actions
    }

    private mutating func read() -> [LogTailAction] {
        guard !reading, let c = cursor else { return [] }
        reading = true
        return [.readFrom(offset: c.readOffset)]
    }

    // MARK: fingerprints

    /// The saved fingerprint is the start of the current one (the file may have grown since).
    static func matches(saved: [UInt8], current: [UInt8]?) -> Bool {
        guard let current else { return true }
        return current.count >= saved.count && current.starts(with: saved)
    }

    private static func longer(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] { b.count > a.count ? b : a }
}
