import SondeCore

/// The level of a Gunicorn error-log record (`[%(levelname)s]`).
public enum ErrorLogLevel: String, Sendable, Hashable, CaseIterable {
    case debug, info, warning, error, critical
}

/// Why the arbiter halted: the two boot failures Gunicorn names in `Reason: …`.
public enum ErrorLogBootFailure: String, Sendable, Hashable, CaseIterable {
    /// `Worker failed to boot.` (exit status 3, `WORKER_BOOT_ERROR`).
    case workerFailedToBoot = "worker_boot_error"
    /// `App failed to load.` (exit status 4, `APP_LOAD_ERROR`).
    case appFailedToLoad = "app_load_error"
}

/// What a Gunicorn error-log message means for monitoring.
///
/// Only the arbiter messages sonde counts are told apart; everything else is `.other`.
/// The message texts are those of gunicorn 20.x/21.x `arbiter.py` and `workers/base.py`.
public enum ErrorLogEvent: Sendable, Hashable {
    /// `Starting gunicorn 21.2.0`.
    case masterStarting(version: String)
    /// `Booting worker with pid: 12346`.
    case workerBooting(pid: Int32)
    /// `WORKER TIMEOUT (pid:12346)` (logged at CRITICAL by the arbiter).
    case workerTimeout(pid: Int32)
    /// `Worker (pid:12346) was sent SIGKILL! Perhaps out of memory?`; `signal` is the name as printed
    /// (`SIGKILL`, `SIGTERM`, or `code 42` for an unknown signal number); `outOfMemoryHint` is true
    /// when Gunicorn added "Perhaps out of memory?".
    case workerSignaled(pid: Int32, signal: String, outOfMemoryHint: Bool)
    /// `Worker (pid:12346) exited with code 1` (with or without the final period).
    case workerExited(pid: Int32, code: Int32)
    /// `Reason: Worker failed to boot.` / `Reason: App failed to load.` (also without `Reason: `).
    case bootFailure(ErrorLogBootFailure)
    /// `Shutting down: Master`.
    case shutdown(name: String)
    /// Any other message (`Listening at: …`, `Handling signal: term`, `Worker exiting (pid: 1)`, …).
    case other
}

/// One prefixed record: `[2024-05-01 12:00:00 +0000] [12345] [INFO] Booting worker with pid: 12346`.
public struct ErrorLogEntry: Sendable, Hashable {
    /// Milliseconds since the Unix epoch, with the line's UTC offset applied (Gunicorn prints whole seconds).
    public var timestampMilliseconds: Int64
    /// The process that logged (the arbiter or a worker).
    public var pid: Int32
    public var level: ErrorLogLevel
    public var event: ErrorLogEvent

    public init(timestampMilliseconds: Int64, pid: Int32, level: ErrorLogLevel, event: ErrorLogEvent) {
        self.timestampMilliseconds = timestampMilliseconds
        self.pid = pid
        self.level = level
        self.event = event
    }
}

/// The classification of one line of the error log (without its newline).
public enum ErrorLogLine: Sendable, Hashable {
    /// A record with the `[time] [pid] [LEVEL] ` prefix.
    case entry(ErrorLogEntry)
    /// `Traceback (most recent call last):`; count one traceback each. (Chained exceptions print
    /// one such line per exception, so they count once per exception.)
    case tracebackStart
    /// A line with no `[timestamp]` prefix: the rest of a multi-line record (traceback frames, the
    /// exception line, `print()` output of a failing app import), or an empty line.
    case continuation
    /// A line that starts like a record (`[`) but whose prefix does not parse.
    case unparsed
}

/// Classifies Gunicorn error-log lines, in Gunicorn's default `glogging` format
/// `%(asctime)s [%(process)d] [%(levelname)s] %(message)s` with datefmt `[%Y-%m-%d %H:%M:%S %z]`.
///
/// Stateless and byte-based: it neither allocates for ordinary lines nor remembers previous lines;
/// a custom `logconfig` format is not recognised (its lines come out `.unparsed` or `.continuation`).
public enum ErrorLogParser {
    /// Classifies one line; a trailing `\n` or `\r\n` is ignored.
    public static func classify(line: UnsafeRawBufferPointer) -> ErrorLogLine {
        var end = line.count
        while end > 0, line[end - 1] == 0x0A || line[end - 1] == 0x0D { end -= 1 }
        if end == 0 { return .continuation }
        if line[0] != UInt8(ascii: "[") {
            return hasPrefix(line, 0, end, tracebackText) ? .tracebackStart : .continuation
        }
        guard let entry = parseEntry(line, end) else { return .unparsed }
        return .entry(entry)
    }

    /// Classifies a line given as bytes.
    public static func classify(line: [UInt8]) -> ErrorLogLine {
        line.withUnsafeBytes { classify(line: $0) }
    }

    /// Classifies a line given as a string (tests, tools).
    public static func classify(_ line: String) -> ErrorLogLine {
        var copy = line
        return copy.withUTF8 { classify(line: UnsafeRawBufferPointer($0)) }
    }

    // MARK: prefix

    private static func parseEntry(_ b: UnsafeRawBufferPointer, _ end: Int) -> ErrorLogEntry? {
        // [YYYY-MM-DD HH:MM:SS +ZZZZ]
        var i = 1
        guard let year = digits(b, &i, 4, end), expect(b, &i, "-", end),
            let month = digits(b, &i, 2, end), expect(b, &i, "-", end),
            let day = digits(b, &i, 2, end), expect(b, &i, " ", end),
            let hour = digits(b, &i, 2, end), expect(b, &i, ":", end),
            let minute = digits(b, &i, 2, end), expect(b, &i, ":", end),
            let second = digits(b, &i, 2, end), expect(b, &i, " ", end)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second <= 60, i < end
        else { return nil }
        let sign: Int64
        switch b[i] {
        case UInt8(ascii: "+"): sign = 1
        case UInt8(ascii: "-"): sign = -1
        default: return nil
        }
        i += 1
        guard let offHours = digits(b, &i, 2, end) else { return nil }
        if i < end, b[i] == UInt8(ascii: ":") { i += 1 }  // tolerate +HH:MM
        guard let offMinutes = digits(b, &i, 2, end), offHours < 24, offMinutes < 60,
            expect(b, &i, "]", end), expect(b, &i, " ", end), expect(b, &i, "[", end)
        else { return nil }
        // [pid]
        var pid: Int64 = 0
        let pidStart = i
        while i < end, b[i] >= 0x30, b[i] <= 0x39, i - pidStart < 10 {
            pid = pid * 10 + Int64(b[i] - 0x30)
            i += 1
        }
        guard i > pidStart, pid <= Int64(Int32.max), expect(b, &i, "]", end), expect(b, &i, " ", end),
            expect(b, &i, "[", end)
        else { return nil }
        // [LEVEL]
        let levelStart = i
        while i < end, b[i] != UInt8(ascii: "]") { i += 1 }
        guard i < end, let level = level(b, levelStart, i) else { return nil }
        i += 1
        if i < end, b[i] == UInt8(ascii: " ") { i += 1 }

        let days = CivilDate.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day))
        let local = days * 86_400 + Int64(hour) * 3600 + Int64(minute) * 60 + Int64(second)
        let offset = sign * (Int64(offHours) * 3600 + Int64(offMinutes) * 60)
        return ErrorLogEntry(
            timestampMilliseconds: (local - offset) * 1000, pid: Int32(pid), level: level,
            event: classifyMessage(b, i, end))
    }

    private static func level(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> ErrorLogLevel? {
        for candidate in levelNames where candidate.1.count == end - start && hasPrefix(b, start, end, candidate.1) {
            return candidate.0
        }
        return nil
    }

    // MARK: message

    private static func classifyMessage(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> ErrorLogEvent {
        var i = start
        if hasPrefix(b, i, end, bootingText) {
            i += bootingText.count
            if let pid = integer(b, &i, end), i == end { return .workerBooting(pid: pid) }
            return .other
        }
        if hasPrefix(b, i, end, timeoutText) {
            i += timeoutText.count
            if let pid = integer(b, &i, end), expect(b, &i, ")", end) { return .workerTimeout(pid: pid) }
            return .other
        }
        if hasPrefix(b, i, end, workerPidText) {
            i += workerPidText.count
            guard let pid = integer(b, &i, end), expect(b, &i, ")", end) else { return .other }
            if hasPrefix(b, i, end, exitedText) {
                i += exitedText.count
                var sign: Int32 = 1
                if i < end, b[i] == UInt8(ascii: "-") {
                    sign = -1
                    i += 1
                }
                guard let code = integer(b, &i, end) else { return .other }
                if i < end, b[i] == UInt8(ascii: ".") { i += 1 }
                return i == end ? .workerExited(pid: pid, code: sign * code) : .other
            }
            if hasPrefix(b, i, end, sentText) {
                i += sentText.count
                let nameStart = i
                while i < end, b[i] != UInt8(ascii: "!") { i += 1 }
                guard i < end, i > nameStart else { return .other }
                let name = string(b, nameStart, i)
                let oom = find(b, i, end, oomText)
                return .workerSignaled(pid: pid, signal: name, outOfMemoryHint: oom)
            }
            return .other
        }
        if hasPrefix(b, i, end, reasonText) { i += reasonText.count }
        if hasPrefix(b, i, end, workerBootFailedText) { return .bootFailure(.workerFailedToBoot) }
        if hasPrefix(b, i, end, appLoadFailedText) { return .bootFailure(.appFailedToLoad) }
        if i != start { return .other }
        if hasPrefix(b, i, end, startingText) {
            let version = string(b, i + startingText.count, end)
            return version.isEmpty ? .other : .masterStarting(version: version)
        }
        if hasPrefix(b, i, end, shuttingDownText) {
            return .shutdown(name: string(b, i + shuttingDownText.count, end))
        }
        return .other
    }

    // MARK: helpers

    private static let tracebackText = Array("Traceback (most recent call last):".utf8)
    private static let bootingText = Array("Booting worker with pid: ".utf8)
    private static let timeoutText = Array("WORKER TIMEOUT (pid:".utf8)
    private static let workerPidText = Array("Worker (pid:".utf8)
    private static let exitedText = Array(" exited with code ".utf8)
    private static let sentText = Array(" was sent ".utf8)
    private static let oomText = Array("Perhaps out of memory?".utf8)
    private static let reasonText = Array("Reason: ".utf8)
    private static let workerBootFailedText = Array("Worker failed to boot".utf8)
    private static let appLoadFailedText = Array("App failed to load".utf8)
    private static let startingText = Array("Starting gunicorn ".utf8)
    private static let shuttingDownText = Array("Shutting down: ".utf8)
    private static let levelNames: [(ErrorLogLevel, [UInt8])] = [
        (.info, Array("INFO".utf8)), (.error, Array("ERROR".utf8)), (.warning, Array("WARNING".utf8)),
        (.critical, Array("CRITICAL".utf8)), (.debug, Array("DEBUG".utf8)),
    ]

    private static func hasPrefix(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ p: [UInt8]) -> Bool {
        guard end - start >= p.count else { return false }
        for k in 0..<p.count where b[start + k] != p[k] { return false }
        return true
    }

    private static func find(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int, _ p: [UInt8]) -> Bool {
        var i = start
        while end - i >= p.count {
            if hasPrefix(b, i, end, p) { return true }
            i += 1
        }
        return false
    }

    private static func expect(_ b: UnsafeRawBufferPointer, _ i: inout Int, _ c: Unicode.Scalar, _ end: Int) -> Bool {
        guard i < end, b[i] == UInt8(ascii: c) else { return false }
        i += 1
        return true
    }

    private static func digits(_ b: UnsafeRawBufferPointer, _ i: inout Int, _ n: Int, _ end: Int) -> Int? {
        guard end - i >= n else { return nil }
        var value = 0
        for _ in 0..<n {
            let d = b[i]
            guard d >= 0x30, d <= 0x39 else { return nil }
            value = value * 10 + Int(d - 0x30)
            i += 1
        }
        return value
    }

    /// A non-negative decimal that fits `Int32`.
    private static func integer(_ b: UnsafeRawBufferPointer, _ i: inout Int, _ end: Int) -> Int32? {
        let start = i
        var value: Int64 = 0
        while i < end, b[i] >= 0x30, b[i] <= 0x39 {
            value = value * 10 + Int64(b[i] - 0x30)
            guard value <= Int64(Int32.max) else { return nil }
            i += 1
        }
        return i > start ? Int32(value) : nil
    }

    private static func string(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        guard end > start else { return "" }
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
