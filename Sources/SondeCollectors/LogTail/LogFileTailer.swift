import SondeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Follows one log path: the I/O around `LogTailState` (stat, open, pread, finishing rotated files)
/// and `LogTailLineFramer` (complete lines only).
///
/// `poll` is called once per collection round. It reads at most `budget` bytes of the live file, so a
/// large backlog is caught up over several rounds; the read it stopped at goes on next round.
/// Not `Sendable`: the collector owns it inside its lock.
public final class LogFileTailer {
    /// Counted events, for the collector's `sonde_log_*` self-metrics.
    public struct Counters: Sendable, Equatable {
        public var bytesRead: UInt64 = 0
        public var lines: UInt64 = 0
        public var rotations: UInt64 = 0
        public var truncations: UInt64 = 0
        public var tooLongLines: UInt64 = 0
        /// Rotated files that were looked for (after a stop or a copytruncate) and not found.
        public var rotatedFilesMissing: UInt64 = 0
        public var readErrors: UInt64 = 0
    }

    public let path: String
    public private(set) var counters = Counters()
    /// The position to persist: the end of the last complete line handed out (nil before the first open).
    public private(set) var position: TailPosition?

    private var state: LogTailState
    private var framer: LogTailLineFramer
    private var fd: Int32 = -1
    private var identity: FileIdentity?
    /// The file that replaced the one being drained, opened as soon as it was seen: it may be
    /// rotated or deleted in turn before the old one is finished, and must not be missed.
    private var nextFD: Int32 = -1
    /// The longest start of that file seen so far: if it changes before the file is adopted, the
    /// file was truncated (copytruncate) in between, and its copy holds lines to read.
    private var nextFingerprint: [UInt8] = []
    /// A read the state machine asked for that the last poll's budget did not allow.
    private var pendingRead: UInt64?
    private var buffer: [UInt8]
    private var lastError: String?

    public init(path: String, lineLimit: Int = LogTailLineFramer.defaultLimit, rotateWaitMilliseconds: Int64 = 5_000, chunkSize: Int = 1 << 20) {
        self.path = path
        self.state = LogTailState(rotateWaitMilliseconds: rotateWaitMilliseconds)
        self.framer = LogTailLineFramer(limit: lineLimit)
        self.buffer = [UInt8](repeating: 0, count: max(4096, chunkSize))
    }


    /// Resumes from a saved position (before the first poll).
    public func restore(_ saved: TailPosition) {
        position = saved
        _ = state.handle(.restored(saved))
    }

    /// The last I/O error (a failed read or open other than a missing file), cleared by a good poll.
    public var error: String? { lastError }

    /// Bytes in the file at the path beyond the position (what is still to read), 0 when unknown.
    public var backlogBytes: UInt64 {
        guard let position else { return 0 }
        var info = stat()
        guard stat(path, &info) == 0, UInt64(info.st_ino) == position.identity.inode else { return 0 }
        return UInt64(info.st_size) > position.offset ? UInt64(info.st_size) - position.offset : 0
    }

    /// Reads what is new, calling `line` for each complete line (bytes valid during the call only).
    /// Stops early when `budget` bytes were read or `keepGoing` says no (checked before each read);
    /// returns true when everything written so far was read.
    @discardableResult
    public func poll(
        now: Int64, budget: Int = 64 << 20, keepGoing: () -> Bool = { true }, line: (UnsafeRawBufferPointer) -> Void
    ) -> Bool {
        var budgetLeft = budget
        lastError = nil
        var actions: [LogTailAction] = []
        if let offset = pendingRead {
            pendingRead = nil
            actions = [.readFrom(offset: offset)]
        } else {
            actions = state.handle(.statResult(snapshotOfPath(), now: now))
            if state.phase == .draining { watchReplacement() }
        }
        while !actions.isEmpty {
            let action = actions.removeFirst()
            switch action {
            case .open:
                actions += state.handle(openPath())
            case .reopen:
                closeDescriptor()
                framer.reset()
                actions += state.handle(openNext())
            case .readFrom(let offset):
                guard budgetLeft > 0, keepGoing() else {
                    pendingRead = offset
                    return false
                }
                let event = read(at: offset, line: line)
                if case .readCompleted(let bytes, _, _) = event { budgetLeft -= Int(bytes) }
                actions += state.handle(event)
            case .finishRotated(let identity, let offset, let fingerprint):
                let found = finishRotated(identity: identity, offset: offset, fingerprint: fingerprint, line: line)
                actions += state.handle(.rotatedFinished(found: found))
            case .seekStart:
                framer.reset()
            case .flushCarried:
                flushFramer(line: line)
            case .persist(let saved):
                position = saved
            case .countTruncation:
                counters.truncations += 1
            case .countRotation:
                counters.rotations += 1
            case .countTooLong(let count):
                counters.tooLongLines += UInt64(count)
            }
        }
        return true
    }

    /// Closes the descriptor (the position stays).
    public func close() {
        closeDescriptor()
        if nextFD >= 0 { LibC.close(nextFD) }
        nextFD = -1
    }

    // MARK: I/O

    private func snapshotOfPath() -> LogTailFileSnapshot? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let id = FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        // The first bytes tell a truncated-and-refilled file from the one being read; read them
        // through the open descriptor when it is that file.
        let fingerprint = (id == identity && fd >= 0) ? readFingerprint(fd) : nil
        return LogTailFileSnapshot(identity: id, size: UInt64(info.st_size), fingerprint: fingerprint)
    }

    /// While the old file is drained: keep the new one open, and remember how it starts.
    private func watchReplacement() {
        if nextFD < 0 {
            nextFD = open(path, O_RDONLY | O_CLOEXEC)
            nextFingerprint = []
        }
        guard nextFD >= 0 else { return }
        let start = readFingerprint(nextFD)
        if start.count > nextFingerprint.count, start.starts(with: nextFingerprint) { nextFingerprint = start }
    }

    /// After draining: the file opened when the rotation was seen (checked against how it started),
    /// else whatever is at the path now.
    private func openNext() -> LogTailEvent {
        guard nextFD >= 0 else { return openPath() }
        let opened = nextFD
        nextFD = -1
        var info = stat()
        if !nextFingerprint.isEmpty, fstat(opened, &info) == 0 {
            let id = FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
            _ = state.handle(.restored(TailPosition(identity: id, offset: 0, fingerprint: nextFingerprint)))
        }
        return adopt(opened)
    }

    private func openPath() -> LogTailEvent {
        let opened = open(path, O_RDONLY | O_CLOEXEC)
        guard opened >= 0 else {
            if errno != ENOENT { lastError = "cannot open \(path): \(String(cString: strerror(errno)))" }
            return .openFailed
        }
        return adopt(opened)
    }

    /// Makes `opened` the descriptor being read.
    private func adopt(_ opened: Int32) -> LogTailEvent {
        var info = stat()
        guard fstat(opened, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            LibC.close(opened)
            lastError = "\(path) is not a regular file"
            return .openFailed
        }
        fd = opened
        identity = FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        return .opened(LogTailFileSnapshot(identity: identity!, size: UInt64(info.st_size), fingerprint: readFingerprint(opened)))
    }

    private func read(at offset: UInt64, line: (UnsafeRawBufferPointer) -> Void) -> LogTailEvent {
        guard fd >= 0 else { return .readCompleted(bytesRead: 0, carriedBytes: framer.carriedBytes, tooLongLines: 0) }
        let descriptor = fd
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
        guard count > 0 else {
            if count < 0 {
                counters.readErrors += 1
                lastError = "cannot read \(path): \(String(cString: strerror(errno)))"
            }
            return .readCompleted(bytesRead: 0, carriedBytes: framer.carriedBytes, tooLongLines: 0)
        }
        let tooLong = feedFramer(count, line: line)
        return .readCompleted(bytesRead: UInt64(count), carriedBytes: framer.carriedBytes, tooLongLines: tooLong)
    }

    /// Reads the rotated file's lines from `offset` to its end, then any rotations made after it;
    /// false when it cannot be found.
    private func finishRotated(identity: FileIdentity, offset: UInt64, fingerprint: [UInt8], line: (UnsafeRawBufferPointer) -> Void) -> Bool {
        let files = RotatedLogFinder.find(logPath: path, identity: identity, offset: offset, fingerprint: fingerprint)
        guard !files.isEmpty else {
            counters.rotatedFilesMissing += 1
            return false
        }
        for (index, file) in files.enumerated() {
            readWhole(file, from: index == 0 ? offset : 0, line: line)
        }
        return true
    }

    private func readWhole(_ file: String, from offset: UInt64, line: (UnsafeRawBufferPointer) -> Void) {
        framer.reset()
        do throws(SondeError) {
            let reader = try LogFileReader(path: file)
            guard try reader.skip(offset) == offset else { return }
            while true {
                let count = try reader.read(into: &buffer)
                if count == 0 { break }
                counters.tooLongLines += UInt64(feedFramer(count, line: line))
            }
        } catch {
            // A damaged .gz: its good part was read; the rest is lost, and said so.
            counters.readErrors += 1
            lastError = error.message
        }
        flushFramer(line: line)
    }

    /// Hands the first `count` bytes of the buffer to the framer; returns the too-long lines it completed.
    private func feedFramer(_ count: Int, line: (UnsafeRawBufferPointer) -> Void) -> Int {
        counters.bytesRead += UInt64(count)
        return buffer.withUnsafeBytes { raw in
            framer.feed(UnsafeRawBufferPointer(rebasing: raw[0..<count])) { bytes in
                counters.lines += 1
                line(bytes)
            }
        }
    }

    /// A file's unterminated last line, handed on (or counted too long).
    private func flushFramer(line: (UnsafeRawBufferPointer) -> Void) {
        counters.tooLongLines += UInt64(framer.flush { bytes in
            counters.lines += 1
            line(bytes)
        })
    }

    private func readFingerprint(_ descriptor: Int32) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: TailPosition.maxFingerprint)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        return count > 0 ? Array(bytes[0..<count]) : []
    }

    private func closeDescriptor() {
        if fd >= 0 { LibC.close(fd) }
        fd = -1
        identity = nil
    }

    deinit { close() }
}
