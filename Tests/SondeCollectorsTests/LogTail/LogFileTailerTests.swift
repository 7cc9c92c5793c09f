@testable import SondeCollectors
import SondeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The tailer on real files, through every way a log is rotated.
@Suite("LogFileTailer", .serialized)
struct LogFileTailerTests {
    /// Polls and collects the lines handed out.
    final class Reader {
        let tailer: LogFileTailer
        var lines: [String] = []
        var now: Int64 = 0

        init(_ tailer: LogFileTailer) { self.tailer = tailer }

        @discardableResult
        func poll(advance: Int64 = 1000) -> [String] {
            now += advance
            var got: [String] = []
            tailer.poll(now: now) { got.append(String(decoding: $0, as: UTF8.self)) }
            lines += got
            return got
        }
    }

    func numbered(_ range: Range<Int>) -> String {
        range.map { "line \($0)\n" }.joined()
    }

    func expected(_ range: Range<Int>) -> [String] { range.map { "line \($0)" } }

    @Test("growth, a partial last line, a missing file that appears later")
    func growth() {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        let path = dir + "/app.log"
        let r = Reader(LogFileTailer(path: path, rotateWaitMilliseconds: 0))
        #expect(r.poll().isEmpty)
        TestFiles.append(path, numbered(0..<3) + "line 3 half")
        #expect(r.poll() == expected(0..<3))
        #expect(r.poll().isEmpty)
        TestFiles.append(path, " done\n")
        #expect(r.poll() == ["line 3 half done"])
        #expect(r.tailer.position?.offset == UInt64(TestFiles.read(path).count))
    }

    @Test("rename + create: the old file is finished (also what the writer adds before reopening), then the new one")
    func renameCreate() {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        let path = dir + "/app.log"
        TestFiles.append(path, numbered(0..<5))
        let r = Reader(LogFileTailer(path: path, rotateWaitMilliseconds: 2000))
        r.poll()
        // logrotate: rename, create; the writer has not reopened yet and still appends to the old file
        rename(path, path + ".1")
        TestFiles.append(path, "")
        TestFiles.append(path + ".1", numbered(5..<8))
        r.poll()
        TestFiles.append(path + ".1", numbered(8..<10))
        r.poll()
        // now the writer reopens
        TestFiles.append(path, numbered(10..<12))
        r.poll()
        r.poll()
        r.poll()
        r.poll()
        #expect(r.lines == expected(0..<12))
        #expect(r.tailer.counters.rotations == 1)
    }

    @Test("the new file is deleted before the rotated one is finished: it is still read, in order")
    func replacedDuringRotateWait() {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        let path = dir + "/app.log"
        TestFiles.append(path, numbered(0..<3))
        let r = Reader(LogFileTailer(path: path, rotateWaitMilliseconds: 5000))
        r.poll()
        rename(path, path + ".1")
        TestFiles.append(path, numbered(3..<6))
        r.poll()  // sees the rotation: drains app.log.1, waits for it to stay quiet
        unlink(path)  // the new file goes away before the wait is over
        TestFiles.append(path, numbered(6..<8))
        for _ in 0..<14 { r.poll() }
        #expect(r.lines == expected(0..<8))
    }

    @Test("copytruncate: lines written between the last read and the truncation are read from the copy")
    func copytruncate() {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        let path = dir + "/app.log"
        TestFiles.append(path, numbered(0..<5))
        let r = Reader(LogFileTailer(path: path))
        r.poll()
        TestFiles.append(path, numbered(5..<9))  // not read yet
        TestFiles.run(["cp", path, path + ".1"])
        truncate(path, 0)
        TestFiles.append(path, numbered(9..<11))
        r.poll()
        r.poll()
        #expect(r.lines == expected(0..<11))
        #expect(r.tailer.counters.truncations == 1)
    }

    @Test("copytruncate then compressed before the tailer looked: the .gz copy is finished")
    func copytruncateCompressed() {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        let path = dir + "/app.log"
        TestFiles.append(path, numbered(0..<5))
        let r = Reader(LogFileTailer(path: path))
        r.poll()
        TestFiles.append(path, numbered(5..<9))
        TestFiles.run(["cp", path, path + ".1"])
        truncate(path, 0)
        TestFiles.run(["gzip", path + ".1"])
        TestFiles.append(path, numbered(9..<11) + numbered(11..<300))  // outgrew the old offset
        r.poll()
        #expect(r.lines == expected(0..<300))
    }

    @Test("delete + recreate: the deleted file's descriptor is read to its end first")
    func deleteRecreate() {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        let path = dir + "/app.log"
        let writer = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        defer { close(writer) }
        func put(_ text: String) { _ = Array(text.utf8).withUnsafeBytes { write(writer, $0.baseAddress, $0.count) } }
        put(numbered(0..<3))
        let r = Reader(LogFileTailer(path: path, rotateWaitMilliseconds: 0))
        r.poll()
        unlink(path)
        put(numbered(3..<6))  // into the deleted file
        r.poll()
        TestFiles.append(path, numbered(6..<8))
        r.poll()
        r.poll()
        #expect(r.lines == expected(0..<8))
    }

    @Test("rotated and compressed while the agent was stopped: resumes in the .gz, then the new file")
    func rotatedWhileStopped() {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        let path = dir + "/app.log"
        // an older rotation (older than the file being read) that must not be read again
        TestFiles.append(path + ".2", numbered((-5)..<0))
        usleep(20_000)
        TestFiles.append(path, numbered(0..<4))
        let first = Reader(LogFileTailer(path: path))
        first.poll()
        let saved = first.tailer.position!
        first.tailer.close()
        // stopped: more lines, then logrotate (rename, compress) and new lines in a new file
        TestFiles.append(path, numbered(4..<7))
        rename(path, path + ".1")
        TestFiles.run(["gzip", path + ".1"])
        TestFiles.append(path, numbered(7..<9))

        let second = Reader(LogFileTailer(path: path))
        second.tailer.restore(saved)
        second.poll()
        second.poll()
        #expect(first.lines + second.lines == expected(0..<9))
    }

    @Test("rotated twice while stopped: the rest of the old file, the whole file between, then the new one")
    func rotatedTwiceWhileStopped() {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        let path = dir + "/app.log"
        TestFiles.append(path + ".3.gz", [])  // an old rotation: never read again
        TestFiles.append(path + ".bak", numbered((-9)..<(-5)))  // not named like a rotation
        TestFiles.append(path, numbered(0..<4))
        let first = Reader(LogFileTailer(path: path))
        first.poll()
        let saved = first.tailer.position!
        first.tailer.close()
        TestFiles.append(path, numbered(4..<6))
        usleep(20_000)
        rename(path, path + ".1")
        TestFiles.append(path, numbered(6..<9))
        usleep(20_000)
        rename(path + ".1", path + ".2")
        TestFiles.run(["gzip", path + ".2"])
        rename(path, path + ".1")
        TestFiles.append(path, numbered(9..<11))
        let second = Reader(LogFileTailer(path: path))
        second.tailer.restore(saved)
        second.poll()
        #expect(first.lines + second.lines == expected(0..<11))
        TestFiles.append(path, numbered(11..<13))  // and it goes on following the new file
        second.poll()
        TestFiles.append(path, numbered(13..<15))
        second.poll()
        #expect(first.lines + second.lines == expected(0..<15))
    }

    @Test("rotation names: numbered, dated, compressed; nothing else")
    func rotationNames() {
        for good in [".1", ".12.gz", "-20261122", "-2026-11-22.gz", ".2026_11_22"] {
            #expect(RotatedLogFinder.isRotationSuffix(Substring(good).utf8), "\(good)")
        }
        for bad in ["", ".gz", ".bak", "-old", ".1.bz2", "1", ".json"] {
            #expect(!RotatedLogFinder.isRotationSuffix(Substring(bad).utf8), "\(bad)")
        }
    }

    @Test("restart on the same file: nothing is read twice, a partial line is read whole")
    func restartSameFile() {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        let path = dir + "/app.log"
        TestFiles.append(path, numbered(0..<3) + "line 3 ha")
        let first = Reader(LogFileTailer(path: path))
        first.poll()
        TestFiles.append(path, "lf\n" + numbered(4..<6))
        let second = Reader(LogFileTailer(path: path))
        second.tailer.restore(first.tailer.position!)
        second.poll()
        #expect(first.lines + second.lines == expected(0..<3) + ["line 3 half"] + expected(4..<6))
    }

    @Test("lines over the limit are skipped and counted; binary garbage passes through as lines")
    func tooLong() {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        let path = dir + "/app.log"
        TestFiles.append(path, "ok 1\n" + String(repeating: "x", count: 5000) + "\nok 2\n")
        TestFiles.append(path, [0, 0, 0, 0xFF, 0xFE, 0x0A])
        let r = Reader(LogFileTailer(path: path, lineLimit: 1024))
        r.poll()
        #expect(r.lines.count == 3)
        #expect(r.lines[0] == "ok 1" && r.lines[1] == "ok 2")
        #expect(r.tailer.counters.tooLongLines == 1)
    }

    @Test("a budget stops a round early; the next round goes on where it stopped")
    func budget() {
        let dir = TestFiles.makeDirectory()
        defer { TestFiles.removeTree(dir) }
        let path = dir + "/app.log"
        TestFiles.append(path, numbered(0..<20_000))
        let tailer = LogFileTailer(path: path, chunkSize: 4096)
        var lines: [String] = []
        var rounds = 0
        while true {
            rounds += 1
            let done = tailer.poll(now: Int64(rounds), budget: 16_384) { lines.append(String(decoding: $0, as: UTF8.self)) }
            if done { break }
        }
        #expect(rounds > 5)
        #expect(lines == expected(0..<20_000))
    }
}
