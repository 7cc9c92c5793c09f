#if canImport(Glibc)
import Glibc
#endif

/// Reads a socket's kernel drop count from `/proc/net/udp` and `/proc/net/udp6`: datagrams the
/// kernel discarded because the socket's receive buffer was full (the `drops` column).
///
/// Parsing is pure (`drops(in:inode:)`, tested on a real capture); `readDrops` does the reading.
/// Unix datagram sockets have no such table: a full Unix socket blocks or fails the sender instead.
public enum ProcNetUDP {
    /// The `drops` column of the row whose `inode` column is `inode`, or nil if there is none.
    ///
    /// Rows look like (header omitted):
    /// `  12: 0100007F:1FBD 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000  0 34567 2 ffff8e5c 0`
    /// with columns sl, local, remote, st, tx:rx queue, tr:when, retrnsmt, uid, timeout, inode,
    /// ref, pointer, drops.
    public static func drops(in text: String, inode: UInt64) -> UInt64? {
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 13, let rowInode = UInt64(fields[9]), rowInode == inode else { continue }
            return UInt64(fields[12])
        }
        return nil
    }

    /// Looks `inode` up in `<procRoot>/net/udp` then `<procRoot>/net/udp6`.
    public static func readDrops(procRoot: String, inode: UInt64) -> UInt64? {
        for table in ["/net/udp", "/net/udp6"] {
            if let text = readSmallFile(procRoot + table), let drops = drops(in: text, inode: inode) {
                return drops
            }
        }
        return nil
    }

    /// A whole (small, procfs) file, or nil when it cannot be read.
    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > 64 << 20 { return nil }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
