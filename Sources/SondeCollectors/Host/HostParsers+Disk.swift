import SondeCore

extension HostParsers {
    /// One line of `/proc/diskstats` (see the kernel's Documentation/admin-guide/iostats.rst). Times are
    /// in milliseconds, sizes in 512-byte sectors. Discard fields exist since Linux 4.18, flush since 5.5.
    public struct DiskStats: Sendable, Equatable {
        public var major: UInt32
        public var minor: UInt32
        public var device: String
        public var readsCompleted: UInt64
        public var readsMerged: UInt64
        public var sectorsRead: UInt64
        public var readTimeMs: UInt64
        public var writesCompleted: UInt64
        public var writesMerged: UInt64
        public var sectorsWritten: UInt64
        public var writeTimeMs: UInt64
        public var ioInProgress: UInt64
        public var ioTimeMs: UInt64
        public var weightedIOTimeMs: UInt64
        public var discardsCompleted: UInt64?
        public var discardsMerged: UInt64?
        public var sectorsDiscarded: UInt64?
        public var discardTimeMs: UInt64?
        public var flushRequestsCompleted: UInt64?
        public var flushTimeMs: UInt64?

        public init(major: UInt32, minor: UInt32, device: String, values: [UInt64]) {
            precondition(values.count >= 11, "diskstats needs 11 values")
            self.major = major
            self.minor = minor
            self.device = device
            readsCompleted = values[0]
            readsMerged = values[1]
            sectorsRead = values[2]
            readTimeMs = values[3]
            writesCompleted = values[4]
            writesMerged = values[5]
            sectorsWritten = values[6]
            writeTimeMs = values[7]
            ioInProgress = values[8]
            ioTimeMs = values[9]
            weightedIOTimeMs = values[10]
            if values.count >= 15 {
                discardsCompleted = values[11]
                discardsMerged = values[12]
                sectorsDiscarded = values[13]
                discardTimeMs = values[14]
            }
            if values.count >= 17 {
                flushRequestsCompleted = values[15]
                flushTimeMs = values[16]
            }
        }
    }
}

extension HostParsers {
    /// Every line of `/proc/diskstats`, ignored devices included (see `isIgnoredDisk`).
    public static func parseDiskstats(_ text: String, file: String? = nil) throws -> [DiskStats] {
        try text.withHostProcBytes { try parseDiskstats(bytes: $0, file: file, skip: { _ in false }) }
    }

    /// `skip` sees the device name before anything is allocated for the line.
    static func parseDiskstats(
        bytes: UnsafeRawBufferPointer, file: String?, skip: (Slice<UnsafeRawBufferPointer>) -> Bool
    ) throws -> [DiskStats] {
        var disks: [DiskStats] = []
        var values: [UInt64] = []
        values.reserveCapacity(20)
        var text = HostProcText(bytes, file: file)
        while var line = text.nextLine() {
            guard let majorRange = line.nextToken() else { continue }
            let major = try line.unsigned(majorRange, "the major number")
            let minor = try line.unsigned("the minor number")
            let name = try line.token("the device name")
            guard major <= UInt64(UInt32.max), minor <= UInt64(UInt32.max) else {
                throw line.error(at: majorRange.lowerBound, "device number out of range")
            }
            if skip(bytes[name]) { continue }
            values.removeAll(keepingCapacity: true)
            while let token = line.nextToken() {
                values.append(try line.unsigned(token, "diskstats field \(values.count + 1) of \(line.text(name))"))
            }
            guard values.count >= 11 else {
                throw line.error(at: line.end, "\(line.text(name)) has \(values.count) values, expected at least 11")
            }
            disks.append(DiskStats(major: UInt32(major), minor: UInt32(minor), device: line.text(name), values: values))
        }
        return disks
    }

    /// node_exporter's default `--collector.diskstats.device-exclude`,
    /// `^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$`: RAM disks, loop devices, floppies and
    /// partitions (`sda1`, `xvda1`, `nvme0n1p1`); whole disks (`sda`, `nvme0n1`), `dm-*` and `md*` stay.
    public static func isIgnoredDisk(_ device: String) -> Bool {
        var copy = device
        return copy.withUTF8 { isIgnoredDisk(UnsafeRawBufferPointer($0)[...]) }
    }

    static func isIgnoredDisk(_ name: Slice<UnsafeRawBufferPointer>) -> Bool {
        // Every alternative of the prefix ends in a non-digit, so the trailing digit run is `\d+`.
        var prefixEnd = name.endIndex
        while prefixEnd > name.startIndex, ByteText.isDigit(name[prefixEnd - 1]) { prefixEnd -= 1 }
        guard prefixEnd < name.endIndex else { return false }
        let prefix = name[name.startIndex..<prefixEnd]
        let count = prefix.count
        func at(_ offset: Int) -> UInt8 { prefix[prefix.startIndex + offset] }
        func equals(_ literal: StaticString) -> Bool {
            guard count == literal.utf8CodeUnitCount else { return false }
            for offset in 0..<count where at(offset) != literal.utf8Start[offset] { return false }
            return true
        }
        func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
        if equals("ram") || equals("zram") || equals("loop") || equals("fd") { return true }
        // (h|s|v)d[a-z]
        if count == 3, at(0) == UInt8(ascii: "h") || at(0) == UInt8(ascii: "s") || at(0) == UInt8(ascii: "v"),
            at(1) == UInt8(ascii: "d"), isLower(at(2))
        {
            return true
        }
        // xvd[a-z]
        if count == 4, at(0) == UInt8(ascii: "x"), at(1) == UInt8(ascii: "v"), at(2) == UInt8(ascii: "d"), isLower(at(3)) {
            return true
        }
        // nvme\d+n\d+p
        if count >= 8, at(0) == UInt8(ascii: "n"), at(1) == UInt8(ascii: "v"), at(2) == UInt8(ascii: "m"),
            at(3) == UInt8(ascii: "e"), at(count - 1) == UInt8(ascii: "p")
        {
            var offset = 4
            let controllerStart = offset
            while offset < count - 1, ByteText.isDigit(at(offset)) { offset += 1 }
            guard offset > controllerStart, offset < count - 1, at(offset) == UInt8(ascii: "n") else { return false }
            offset += 1
            let namespaceStart = offset
            while offset < count - 1, ByteText.isDigit(at(offset)) { offset += 1 }
            return offset > namespaceStart && offset == count - 1
        }
        return false
    }
}
