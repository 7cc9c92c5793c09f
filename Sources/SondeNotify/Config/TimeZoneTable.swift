import SondeCore

/// A time zone's UTC offsets from the system's tz database (a TZif file under
/// /usr/share/zoneinfo), for time intervals with a `location`. Read once, when the configuration is.
///
/// It uses the file's transition table (64-bit, version 2 and later), which Debian's and Amazon
/// Linux's tzdata carry up to 2037; after the last transition the last offset holds. It does not
/// evaluate the POSIX rule at the file's end.
public struct TimeZoneTable: Sendable, Equatable {
    public let name: String
    /// Transition times (seconds since the epoch) and the offset (seconds east of UTC) from each on.
    let transitions: [Int64]
    let offsets: [Int32]
    /// Before the first transition.
    let initialOffset: Int32

    public struct Invalid: Error, Sendable {
        public var message: String
    }

    public init(name: String, directory: String = "/usr/share/zoneinfo") throws(Invalid) {
        self.name = name
        let bytes: [UInt8]
        do {
            bytes = try TextFile.readBytes(directory + "/" + name)
        } catch {
            throw Invalid(message: "unknown time zone \(name)")
        }
        func uint32(_ at: Int) -> UInt32? {
            guard at >= 0, at + 4 <= bytes.count else { return nil }
            return bytes[at..<at + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }
        func counts(_ at: Int) -> [Int]? {
            guard bytes.count >= at + 44, bytes[at..<at + 4].elementsEqual(Array("TZif".utf8)) else { return nil }
            return (0..<6).compactMap { uint32(at + 20 + $0 * 4).map(Int.init) }
        }
        // Skip the version 1 block (32-bit times) to the version 2 block, which has 64-bit times.
        guard let first = counts(0), first.count == 6, bytes[4] >= UInt8(ascii: "2") else {
            throw Invalid(message: "unknown time zone \(name) (not a TZif version 2 file)")
        }
        let (isUT, isStd, leap, times, types, chars) = (first[0], first[1], first[2], first[3], first[4], first[5])
        let second = 44 + times * 5 + types * 6 + chars + leap * 8 + isStd + isUT
        guard let header = counts(second), header.count == 6 else { throw Invalid(message: "unknown time zone \(name) (damaged file)") }
        let (timeCount, typeCount) = (header[3], header[4])
        let timesAt = second + 44
        let indicesAt = timesAt + timeCount * 8
        let typesAt = indicesAt + timeCount
        guard typeCount > 0, typesAt + typeCount * 6 <= bytes.count else { throw Invalid(message: "unknown time zone \(name) (damaged file)") }
        var transitions: [Int64] = []
        var offsets: [Int32] = []
        func offset(ofType type: Int) -> Int32? {
            guard type < typeCount, let value = uint32(typesAt + type * 6) else { return nil }
            return Int32(bitPattern: value)
        }
        for index in 0..<timeCount {
            guard let high = uint32(timesAt + index * 8), let low = uint32(timesAt + index * 8 + 4),
                let offset = offset(ofType: Int(bytes[indicesAt + index]))
            else { throw Invalid(message: "unknown time zone \(name) (damaged file)") }
            transitions.append(Int64(bitPattern: UInt64(high) << 32 | UInt64(low)))
            offsets.append(offset)
        }
        self.transitions = transitions
        self.offsets = offsets
        self.initialOffset = offset(ofType: 0) ?? 0
    }

    /// UTC, with no transitions.
    public static let utc = TimeZoneTable(name: "UTC")
    private init(name: String) {
        self.name = name
        transitions = []
        offsets = []
        initialOffset = 0
    }

    /// The offset from UTC, in seconds, at `seconds` since the epoch.
    public func offset(at seconds: Int64) -> Int64 {
        var low = 0
        var high = transitions.count
        while low < high {  // the first transition after `seconds`
            let middle = (low + high) / 2
            if transitions[middle] <= seconds { low = middle + 1 } else { high = middle }
        }
        return Int64(low == 0 ? initialOffset : offsets[low - 1])
    }
}
