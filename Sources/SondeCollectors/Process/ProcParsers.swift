import SondeCore

// Pure parsers for the /proc files the process collector reads. They take the file's text (or bytes on
// the hot path), do no I/O, and are tested on real captures in Fixtures/process.

/// The fields of `/proc/PID/stat` the process collector uses.
///
/// Times are in clock ticks (`sysconf(_SC_CLK_TCK)`), `residentPages` in pages. Children's times
/// (`cutime`, `cstime`) are deliberately not kept: they would count reaped workers twice.
public struct ProcStat: Sendable, Equatable {
    public var pid: Int32
    /// The command name, as the kernel keeps it: at most 15 bytes, and it may hold spaces and parentheses.
    public var comm: String
    /// `R`, `S`, `D`, `Z`, `T`, `I`, …
    public var state: UInt8
    public var ppid: Int32
    public var utime: UInt64
    public var stime: UInt64
    public var threads: Int
    /// Start time in clock ticks after boot.
    public var startTime: UInt64
    public var virtualMemoryBytes: UInt64
    public var residentPages: UInt64

    public init(
        pid: Int32, comm: String, state: UInt8, ppid: Int32, utime: UInt64, stime: UInt64, threads: Int,
        startTime: UInt64, virtualMemoryBytes: UInt64, residentPages: UInt64
    ) {
        self.pid = pid
        self.comm = comm
        self.state = state
        self.ppid = ppid
        self.utime = utime
        self.stime = stime
        self.threads = threads
        self.startTime = startTime
        self.virtualMemoryBytes = virtualMemoryBytes
        self.residentPages = residentPages
    }
}

/// Parses `/proc/PID/stat`. The command name is everything between the first `(` and the LAST `)`,
/// since a process may name itself `(a) b)`.
public func parseProcStat(_ text: String) throws(SondeError) -> ProcStat {
    try text.withParsingBytes { (bytes) throws(SondeError) -> ProcStat in try parseProcStat(bytes: bytes) }
}

/// `parseProcStat` on the bytes of the file, as read.
public func parseProcStat(bytes raw: UnsafeRawBufferPointer) throws(SondeError) -> ProcStat {
    guard let open = raw.firstIndex(of: UInt8(ascii: "(")), let close = raw.lastIndex(of: UInt8(ascii: ")")),
        open < close
    else { throw SondeError(.parse, "stat: no command name in parentheses") }
    guard let pid = procInteger(raw, 0, open), pid > 0, pid <= Int64(Int32.max) else {
        throw SondeError(.parse, "stat: invalid pid")
    }
    let comm = String(decoding: UnsafeRawBufferPointer(rebasing: raw[(open + 1)..<close]), as: UTF8.self)
    var state: UInt8 = 0
    var ppid: Int64 = 0, utime: Int64 = 0, stime: Int64 = 0, threads: Int64 = 0
    var startTime: Int64 = 0, vsize: Int64 = 0, rss: Int64 = 0
    var field = 3  // fields are numbered from 1 as in proc(5); 1 is the pid, 2 the command name
    var position = close + 1
    while position < raw.count, field <= 24 {
        while position < raw.count, raw[position] == UInt8(ascii: " ") || raw[position] == 10 { position += 1 }
        let start = position
        while position < raw.count, raw[position] != UInt8(ascii: " "), raw[position] != 10 { position += 1 }
        if start == position { break }
        if field == 3 {
            state = raw[start]
        } else if field == 4 || (14...15).contains(field) || field == 20 || (22...24).contains(field) {
            guard let value = procInteger(raw, start, position) else {
                throw SondeError(.parse, "stat: field \(field) is not a number")
            }
            switch field {
            case 4: ppid = value
            case 14: utime = value
            case 15: stime = value
            case 20: threads = value
            case 22: startTime = value
            case 23: vsize = value
            default: rss = value
            }
        }
        field += 1
    }
    guard field > 24 else { throw SondeError(.parse, "stat: truncated after field \(field - 1)") }
    return ProcStat(
        pid: Int32(pid), comm: comm, state: state, ppid: Int32(clamping: ppid),
        utime: UInt64(max(0, utime)), stime: UInt64(max(0, stime)), threads: Int(max(0, threads)),
        startTime: UInt64(max(0, startTime)), virtualMemoryBytes: UInt64(max(0, vsize)),
        residentPages: UInt64(max(0, rss)))
}

/// A decimal integer (optionally negative) in `raw[start..<end]`, spaces around it ignored.
private func procInteger(_ raw: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int64? {
    var index = start
    while index < end, raw[index] == UInt8(ascii: " ") { index += 1 }
    var negative = false
    if index < end, raw[index] == UInt8(ascii: "-") {
        negative = true
        index += 1
    }
    var value: Int64 = 0
    var digits = 0
    while index < end {
        let byte = raw[index]
        if byte == UInt8(ascii: " ") { break }
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 18 else { return nil }
        value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        digits += 1
        index += 1
    }
    while index < end, raw[index] == UInt8(ascii: " ") { index += 1 }
    guard digits > 0, index == end else { return nil }
    return negative ? -value : value
}

/// The fields of `/proc/PID/status` the collector may use. Every field is optional: zombies and kernel
/// threads lack the memory lines.
public struct ProcStatus: Sendable, Equatable {
    public var name: String?
    public var state: UInt8?
    public var tgid: Int32?
    public var ppid: Int32?
    /// Real, effective, saved and filesystem UIDs.
    public var uids: [UInt32] = []
    public var gids: [UInt32] = []
    public var threads: Int?
    public var residentBytes: UInt64?
    public var virtualBytes: UInt64?

    public init() {}

    public var effectiveUID: UInt32? { uids.count > 1 ? uids[1] : nil }
}

/// Parses `/proc/PID/status` (`Key:\tvalue` lines; sizes in kB are converted to bytes).
public func parseStatus(_ text: String) throws(SondeError) -> ProcStatus {
    var status = ProcStatus()
    var sawAny = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
        guard let colon = line.firstIndex(of: ":") else { continue }
        let key = line[..<colon]
        let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
        switch key {
        case "Name": status.name = String(value)
        case "State": status.state = value.utf8.first
        case "Tgid": status.tgid = Int32(value)
        case "PPid": status.ppid = Int32(value)
        case "Uid": status.uids = value.split(whereSeparator: { $0 == "\t" || $0 == " " }).compactMap { UInt32($0) }
        case "Gid": status.gids = value.split(whereSeparator: { $0 == "\t" || $0 == " " }).compactMap { UInt32($0) }
        case "Threads": status.threads = Int(value)
        case "VmRSS": status.residentBytes = kilobytes(value)
        case "VmSize": status.virtualBytes = kilobytes(value)
        default: continue
        }
        sawAny = true
    }
    guard sawAny, status.name != nil || !status.uids.isEmpty else {
        throw SondeError(.parse, "status: no Name or Uid line")
    }
    return status
}

/// The effective UID from the bytes of `/proc/PID/status`, reading only the `Uid:` line (the scan's
/// fast path for `user` rules; `parseStatus` reads everything).
func parseStatusEffectiveUID(_ bytes: ArraySlice<UInt8>) -> UInt32? {
    let key: [UInt8] = Array("Uid:".utf8)
    var index = bytes.startIndex
    while index < bytes.endIndex {
        // At the start of a line.
        if bytes.endIndex - index >= key.count, bytes[index..<(index + key.count)].elementsEqual(key) {
            var position = index + key.count
            var field = 0
            while position < bytes.endIndex, bytes[position] != 10 {
                while position < bytes.endIndex, bytes[position] == 9 || bytes[position] == 32 { position += 1 }
                var value: UInt64 = 0
                var digits = 0
                while position < bytes.endIndex, bytes[position] >= 48, bytes[position] <= 57, digits < 10 {
                    value = value * 10 + UInt64(bytes[position] - 48)
                    digits += 1
                    position += 1
                }
                guard digits > 0 else { return nil }
                if field == 1 { return UInt32(exactly: value) }
                field += 1
            }
            return nil
        }
        while index < bytes.endIndex, bytes[index] != 10 { index += 1 }
        index += 1
    }
    return nil
}

private func kilobytes(_ value: Substring) -> UInt64? {
    let parts = value.split(separator: " ")
    guard let number = parts.first.flatMap({ UInt64($0) }) else { return nil }
    return parts.count > 1 && parts[1] == "kB" ? number * 1024 : number
}

/// `/proc/PID/io`: `readBytes`/`writtenBytes` are what reached the storage layer; `rchar`/`wchar` all
/// bytes passed to read- and write-like calls (sockets and page cache included).
public struct ProcIO: Sendable, Equatable {
    public var rchar: UInt64 = 0
    public var wchar: UInt64 = 0
    public var readBytes: UInt64 = 0
    public var writtenBytes: UInt64 = 0
    public var cancelledWriteBytes: UInt64 = 0

    public init(rchar: UInt64 = 0, wchar: UInt64 = 0, readBytes: UInt64 = 0, writtenBytes: UInt64 = 0,
                cancelledWriteBytes: UInt64 = 0) {
        self.rchar = rchar
        self.wchar = wchar
        self.readBytes = readBytes
        self.writtenBytes = writtenBytes
        self.cancelledWriteBytes = cancelledWriteBytes
    }
}

/// Parses `/proc/PID/io`; `read_bytes` and `write_bytes` are required.
public func parseIO(_ text: String) throws(SondeError) -> ProcIO {
    var io = ProcIO()
    var found = 0
    for line in text.split(separator: "\n") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        let value = UInt64(line[line.index(after: colon)...].drop { $0 == " " })
        switch line[..<colon] {
        case "rchar": io.rchar = value ?? 0
        case "wchar": io.wchar = value ?? 0
        case "read_bytes":
            guard let value else { throw SondeError(.parse, "io: read_bytes is not a number") }
            io.readBytes = value
            found += 1
        case "write_bytes":
            guard let value else { throw SondeError(.parse, "io: write_bytes is not a number") }
            io.writtenBytes = value
            found += 1
        case "cancelled_write_bytes": io.cancelledWriteBytes = value ?? 0
        default: continue
        }
    }
    guard found == 2 else { throw SondeError(.parse, "io: no read_bytes/write_bytes lines") }
    return io
}

/// One line of `/proc/PID/limits`; nil means `unlimited`.
public struct ProcLimit: Sendable, Equatable {
    public var soft: UInt64?
    public var hard: UInt64?

    public init(soft: UInt64?, hard: UInt64?) {
        self.soft = soft
        self.hard = hard
    }
}

/// `/proc/PID/limits`, by limit name (`Max open files`, `Max processes`, …).
public struct ProcLimits: Sendable, Equatable {
    public var limits: [String: ProcLimit] = [:]

    public init(limits: [String: ProcLimit] = [:]) { self.limits = limits }

    /// `RLIMIT_NOFILE`.
    public var openFiles: ProcLimit? { limits["Max open files"] }
}

/// Parses `/proc/PID/limits`: a header, then `NAME  SOFT  HARD  [UNITS]` where the name may hold single
/// spaces and is padded with at least two.
public func parseLimits(_ text: String) throws(SondeError) -> ProcLimits {
    var result = ProcLimits()
    for line in text.split(separator: "\n") where !line.hasPrefix("Limit ") {
        // The name ends at the first run of two spaces.
        var nameEnd = line.endIndex
        var index = line.startIndex
        while index < line.endIndex {
            let next = line.index(after: index)
            if line[index] == " ", next < line.endIndex, line[next] == " " {
                nameEnd = index
                break
            }
            index = next
        }
        guard nameEnd < line.endIndex else { continue }
        let fields = line[nameEnd...].split(separator: " ")
        guard fields.count >= 2 else { continue }
        func value(_ field: Substring) throws(SondeError) -> UInt64? {
            if field == "unlimited" { return nil }
            guard let number = UInt64(field) else {
                throw SondeError(.parse, "limits: \"\(line[..<nameEnd])\" has value \"\(field)\"")
            }
            return number
        }
        result.limits[String(line[..<nameEnd])] = ProcLimit(soft: try value(fields[0]), hard: try value(fields[1]))
    }
    guard !result.limits.isEmpty else { throw SondeError(.parse, "limits: no limit lines") }
    return result
}

/// `/proc/PID/cgroup`: one entry per hierarchy (`ID:CONTROLLERS:PATH`; cgroup v2 is `0::PATH`).
public struct ProcCgroup: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var hierarchy: Int
        public var controllers: [String]
        public var path: String

        public init(hierarchy: Int, controllers: [String], path: String) {
            self.hierarchy = hierarchy
            self.controllers = controllers
            self.path = path
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// The systemd service the process runs in: the last `*.service` component of the unified (v2)
    /// path, or of the v1 `name=systemd` path on hybrid hosts. For a user service under
    /// `user@1000.service/app.slice/x.service` that is `x.service`; nil outside any service.
    public var systemdUnit: String? {
        let unified = entries.first { $0.hierarchy == 0 && $0.controllers.isEmpty }
        let named = entries.first { $0.controllers.contains("name=systemd") }
        for entry in [unified, named] {
            guard let entry else { continue }
            if let unit = entry.path.split(separator: "/").last(where: { $0.hasSuffix(".service") }) {
                return String(unit)
            }
        }
        return nil
    }
}

/// Parses `/proc/PID/cgroup`.
public func parseCgroup(_ text: String) throws(SondeError) -> ProcCgroup {
    var entries: [ProcCgroup.Entry] = []
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let hierarchy = Int(parts[0]) else {
            throw SondeError(.parse, "cgroup: malformed line \"\(line)\"")
        }
        let controllers = parts[1].isEmpty ? [] : parts[1].split(separator: ",").map(String.init)
        entries.append(ProcCgroup.Entry(hierarchy: hierarchy, controllers: controllers, path: String(parts[2])))
    }
    return ProcCgroup(entries: entries)
}

/// `/proc/PID/cmdline` as one string: the NUL-separated arguments joined by spaces (trailing NULs
/// dropped). Empty for zombies and kernel threads.
public func parseCmdline(_ bytes: some Collection<UInt8>) -> String {
    var trimmed = Array(bytes)
    while trimmed.last == 0 { trimmed.removeLast() }
    for index in trimmed.indices where trimmed[index] == 0 { trimmed[index] = UInt8(ascii: " ") }
    return String(decoding: trimmed, as: UTF8.self)
}

/// The boot time (`btime`, seconds since the epoch) from `/proc/stat`.
public func parseBootTime(_ text: String) throws(SondeError) -> UInt64 {
    for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
        if let value = UInt64(line.dropFirst(6).drop { $0 == " " }) { return value }
    }
    throw SondeError(.parse, "stat: no btime line")
}

/// User names to UIDs from an `/etc/passwd`-format file (comments, blanks and NIS `+`/`-` lines skipped).
public func parsePasswd(_ text: String) -> [String: UInt32] {
    var users: [String: UInt32] = [:]
    for line in text.split(separator: "\n") {
        guard let first = line.first, first != "#", first != "+", first != "-" else { continue }
        let fields = line.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count >= 3, !fields[0].isEmpty, let uid = UInt32(fields[2]) else { continue }
        if users[String(fields[0])] == nil { users[String(fields[0])] = uid }
    }
    return users
}
