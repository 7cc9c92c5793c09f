import SondeTestSupport
import Testing

@Suite("sonde silence", .exclusiveMachineUse)
struct SilenceCommandTests {
    @Test("add prints an ID, list shows it, expire ends it; mistakes are explained")
    func lifecycle() throws {
        let directory = TemporaryDirectory("sonde-silence-cli")
        defer { directory.remove() }
        let data = ["--data-dir", directory.path + "/data"]
        let added = Sonde.run(["silence", "add", #"alertname="HighCPU""#, #"instance=~"web.*""#, "--duration", "2h", "--comment", "deploying", "--author", "ana"] + data)
        #expect(added.status == 0, "\(added.stderr)")
        let id = added.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(id.count == 36)
        let pending = Sonde.run(["silence", "add", "alertname=DiskFull", "--start", "now+1h", "--comment", "maintenance"] + data)
        #expect(pending.status == 0)
        let listed = Sonde.run(["silence", "list"] + data)
        let lines = listed.stdout.split(separator: "\n")
        #expect(lines.count == 3 && lines[0].hasPrefix("ID\tSTATE\tMATCHERS"))
        #expect(lines[1].hasPrefix(id + "\tactive\t" + #"alertname="HighCPU",instance=~"web.*""#) && lines[1].hasSuffix("\tana\tdeploying"))
        #expect(lines[2].contains("\tpending\t" + #"alertname="DiskFull""#))

        #expect(Sonde.run(["silence", "expire", id] + data).status == 0)
        #expect(Sonde.run(["silence", "list"] + data).stdout.split(separator: "\n").count == 2)
        #expect(Sonde.run(["silence", "list", "--expired"] + data).stdout.contains(id + "\texpired\t"))

        let everything = Sonde.run(["silence", "add", "a=~.*", "--comment", "x"] + data)
        #expect(everything.status != 0 && everything.stderr.contains("would silence every alert"))
        let badDuration = Sonde.run(["silence", "add", "a=b", "--duration", "2x", "--comment", "x"] + data)
        #expect(badDuration.status != 0 && badDuration.stderr.contains("--duration"))
        let unknown = Sonde.run(["silence", "expire", "nope"] + data)
        #expect(unknown.status != 0 && unknown.stderr.contains("no silence nope"))
    }
}
