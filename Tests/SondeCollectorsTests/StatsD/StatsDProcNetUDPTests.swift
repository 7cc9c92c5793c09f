import SondeCollectors
import Testing

@Suite("StatsD socket drops from /proc/net/udp")
struct StatsDProcNetUDPTests {
    /// `Tests/SondeCollectorsTests/Fixtures/statsd/proc`: a real capture (see its README).
    static var procRoot: String {
        var path = #filePath
        for _ in 0..<2 {
            if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) }
        }
        return path + "/Fixtures/statsd/proc"
    }

    @Test("finds the drops column by inode, in udp then udp6")
    func drops() {
        #expect(ProcNetUDP.readDrops(procRoot: Self.procRoot, inode: 250_308) == 199)
        #expect(ProcNetUDP.readDrops(procRoot: Self.procRoot, inode: 250_309) == 0)
        #expect(ProcNetUDP.readDrops(procRoot: Self.procRoot, inode: 250_310) == 0)
        #expect(ProcNetUDP.readDrops(procRoot: Self.procRoot, inode: 1) == nil)
        #expect(ProcNetUDP.readDrops(procRoot: "/nonexistent", inode: 250_308) == nil)
    }

    @Test("ignores the header and short rows")
    func malformed() {
        let text = "  sl  local_address rem_address\n  0: 0100007F:1FBD 00000000:0000 07\n"
        #expect(ProcNetUDP.drops(in: text, inode: 7) == nil)
    }
}
