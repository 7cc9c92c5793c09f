import SondeCore

/// Pure parsers for the files the host collector reads from `/proc` and `/sys`.
///
/// Each takes the file's text (the `String` overloads are for tests and callers with text at hand;
/// the collector uses the byte overloads on its read buffer) and returns a value type, or throws a
/// `ParseError` carrying `file`, line and column. They do no I/O and apply no filtering beyond what
/// the format itself implies; the skip rules (`isIgnoredDisk`, `isExcludedFilesystemType`, …) are
/// separate functions so they can be tested and reused.
public enum HostParsers {
    /// Clock ticks per second of the tick counts in `/proc/stat`. The kernel ABI fixes USER_HZ at
    /// 100 on every architecture sonde runs on; node_exporter assumes the same.
    public static let userHZ: Double = 100

    /// Sector size of the counts in `/proc/diskstats`: always 512 bytes, whatever the device's.
    public static let diskSectorBytes: Double = 512
}
