import SondeCollectors
import Testing

@Suite("LogTailState")
struct LogTailStateTests {
    let a = FileIdentity(device: 8, inode: 100)
    let b = FileIdentity(device: 8, inode: 200)
    let fpA: [UInt8] = Array("[2024-05-01 12:00:00 +0000] [1] [INFO] Starting gunicorn 21.2.0\n".utf8)
    let fpB: [UInt8] = Array("[2024-05-02 00:00:00 +0000] [1] [INFO] Booting worker with pid: 2\n".utf8)

    func snap(_ id: FileIdentity, _ size: UInt64, _ fp: [UInt8]?) -> LogTailFileSnapshot {
        LogTailFileSnapshot(identity: id, size: size, fingerprint: fp)
    }

    /// Opens file A (size 1000), reads it all (ending on a newline): state at offset 1000.
    func following() -> LogTailState {
        var t = LogTailState()
        #expect(t.handle(.statResult(snap(a, 1000, fpA))) == [.open])
        #expect(t.handle(.opened(snap(a, 1000, fpA))) == [.persist(TailPosition(identity: a, offset: 0, fingerprint: fpA)), .readFrom(offset: 0)])
        #expect(t.handle(.readCompleted(bytesRead: 1000, carriedBytes: 0, tooLongLines: 0))
            == [.persist(TailPosition(identity: a, offset: 1000, fingerprint: fpA)), .readFrom(offset: 1000)])
        #expect(t.handle(.readCompleted(bytesRead: 0, carriedBytes: 0, tooLongLines: 0)) == [])
        return t
    }

    @Test("growth is read from where the last read ended")
    func growth() {
        var t = following()
        #expect(t.handle(.statResult(snap(a, 1000, fpA))) == [])
        #expect(t.handle(.statResult(snap(a, 1500, fpA))) == [.readFrom(offset: 1000)])
        #expect(t.handle(.statResult(snap(a, 1600, fpA))) == [])  // read still outstanding
    }

    @Test("rename + create: the old descriptor is read to its end, then the new file from 0")
    func renameCreate() {
        var t = following()
        #expect(t.handle(.statResult(snap(b, 10, fpB))) == [.countRotation, .readFrom(offset: 1000)])
        // the old file got 200 more bytes before the writer reopened
        #expect(t.handle(.readCompleted(bytesRead: 200, carriedBytes: 0, tooLongLines: 0))
            == [.persist(TailPosition(identity: a, offset: 1200, fingerprint: fpA)), .readFrom(offset: 1200)])
        #expect(t.handle(.readCompleted(bytesRead: 0, carriedBytes: 0, tooLongLines: 0)) == [.reopen])
        #expect(t.handle(.opened(snap(b, 10, fpB))) == [.persist(TailPosition(identity: b, offset: 0, fingerprint: fpB)), .readFrom(offset: 0)])
    }

    @Test("rename with an unterminated last line: flushed at the old file's end")
    func renameFlush() {
        var t = following()
        _ = t.handle(.statResult(snap(b, 10, fpB)))
        #expect(t.handle(.readCompleted(bytesRead: 30, carriedBytes: 30, tooLongLines: 0)) == [.readFrom(offset: 1030)])
        #expect(t.handle(.readCompleted(bytesRead: 0, carriedBytes: 30, tooLongLines: 0)) == [.flushCarried, .reopen])
    }

    @Test("rename without create, then create: reading the descriptor goes on meanwhile")
    func renameThenCreate() {
        var t = following()
        #expect(t.handle(.statResult(nil)) == [.readFrom(offset: 1000)])
        #expect(t.handle(.readCompleted(bytesRead: 50, carriedBytes: 0, tooLongLines: 0)).contains(.persist(TailPosition(identity: a, offset: 1050, fingerprint: fpA))))
        _ = t.handle(.readCompleted(bytesRead: 0, carriedBytes: 0, tooLongLines: 0))
        #expect(t.handle(.statResult(snap(b, 0, []))) == [.countRotation, .readFrom(offset: 1050)])
        #expect(t.handle(.readCompleted(bytesRead: 0, carriedBytes: 0, tooLongLines: 0)) == [.reopen])
    }

    @Test("delete + recreate with a reused inode is seen as a restart at 0")
    func deleteRecreateSameInode() {
        var t = following()
        #expect(t.handle(.statResult(nil)) == [.readFrom(offset: 1000)])
        _ = t.handle(.readCompleted(bytesRead: 0, carriedBytes: 0, tooLongLines: 0))
        #expect(t.handle(.statResult(snap(a, 2000, fpB)))
            == [.countTruncation, .seekStart, .finishRotated(identity: a, offset: 1000, fingerprint: fpA)])
        #expect(t.handle(.rotatedFinished(found: false)) == [.persist(TailPosition(identity: a, offset: 0, fingerprint: fpB)), .readFrom(offset: 0)])
    }

    @Test("copytruncate: smaller size, same inode, restart at 0 and drop the partial line")
    func copytruncate() {
        var t = following()
        #expect(t.handle(.statResult(snap(a, 1100, fpA))) == [.readFrom(offset: 1000)])
        _ = t.handle(.readCompleted(bytesRead: 100, carriedBytes: 40, tooLongLines: 0))
        _ = t.handle(.readCompleted(bytesRead: 0, carriedBytes: 40, tooLongLines: 0))
        #expect(t.position?.offset == 1060)
        // The copy (app.log.1) holds what was written after the last read: finish it from 1060 first.
        #expect(t.handle(.statResult(snap(a, 0, [])))
            == [.countTruncation, .seekStart, .finishRotated(identity: a, offset: 1060, fingerprint: fpA)])
        #expect(t.handle(.statResult(snap(a, 10, fpB))) == [])  // waits for the copy to be read
        #expect(t.handle(.rotatedFinished(found: true)) == [.persist(TailPosition(identity: a, offset: 0, fingerprint: [])), .readFrom(offset: 0)])
    }

    @Test("copytruncate that the writer outgrew before the stat: caught by the fingerprint")
    func copytruncateOutgrown() {
        var t = following()
        #expect(t.handle(.statResult(snap(a, 5000, fpB))).first == .countTruncation)
        #expect(t.position?.offset == 0)
        // without a fingerprint only the size can tell
        var u = following()
        #expect(u.handle(.statResult(snap(a, 5000, nil))) == [.readFrom(offset: 1000)])
    }

    @Test("a file that grows past a short first fingerprint keeps matching, and the fingerprint grows")
    func fingerprintGrows() {
        var t = LogTailState()
        let short = Array(fpA.prefix(10))
        _ = t.handle(.opened(snap(a, 10, short)))
        _ = t.handle(.readCompleted(bytesRead: 10, carriedBytes: 10, tooLongLines: 0))
        _ = t.handle(.readCompleted(bytesRead: 0, carriedBytes: 10, tooLongLines: 0))
        #expect(t.handle(.statResult(snap(a, UInt64(fpA.count), fpA))) == [.readFrom(offset: 10)])
        #expect(t.position?.fingerprint == fpA)
    }

    @Test("restart after kill: same file continues at the saved offset")
    func restartSameFile() {
        var t = LogTailState()
        _ = t.handle(.restored(TailPosition(identity: a, offset: 700, fingerprint: fpA)))
        #expect(t.handle(.opened(snap(a, 1000, fpA))) == [.persist(TailPosition(identity: a, offset: 700, fingerprint: fpA)), .readFrom(offset: 700)])
    }

    @Test("restart after kill: the same bytes on a renumbered device continue")
    func restartRenumberedDevice() {
        var t = LogTailState()
        _ = t.handle(.restored(TailPosition(identity: FileIdentity(device: 9, inode: 100), offset: 700, fingerprint: fpA)))
        #expect(t.handle(.opened(snap(a, 1000, fpA))).last == .readFrom(offset: 700))
    }

    @Test("restart after kill: a file replaced in place (same inode, other bytes) restarts at 0")
    func restartReplaced() {
        var t = LogTailState()
        _ = t.handle(.restored(TailPosition(identity: a, offset: 700, fingerprint: fpA)))
        #expect(t.handle(.opened(snap(a, 5000, fpB))) == [.countTruncation, .finishRotated(identity: a, offset: 700, fingerprint: fpA)])
        #expect(t.handle(.rotatedFinished(found: false)) == [.persist(TailPosition(identity: a, offset: 0, fingerprint: fpB)), .readFrom(offset: 0)])
        var u = LogTailState()
        _ = u.handle(.restored(TailPosition(identity: a, offset: 700, fingerprint: fpA)))
        #expect(u.handle(.opened(snap(a, 300, fpA))).last == .finishRotated(identity: a, offset: 700, fingerprint: fpA))  // shrank
        #expect(u.handle(.rotatedFinished(found: true)).last == .readFrom(offset: 0))
    }

    @Test("rename + create with a rotate wait: the old file is read until it has been quiet that long")
    func rotateWait() {
        var t = LogTailState(rotateWaitMilliseconds: 3000)
        _ = t.handle(.statResult(snap(a, 1000, fpA), now: 0))
        _ = t.handle(.opened(snap(a, 1000, fpA)))
        _ = t.handle(.readCompleted(bytesRead: 1000, carriedBytes: 0, tooLongLines: 0))
        _ = t.handle(.readCompleted(bytesRead: 0, carriedBytes: 0, tooLongLines: 0))
        #expect(t.handle(.statResult(snap(b, 0, []), now: 1000)) == [.countRotation, .readFrom(offset: 1000)])
        #expect(t.handle(.readCompleted(bytesRead: 0, carriedBytes: 0, tooLongLines: 0)) == [])  // quiet since 1000
        #expect(t.handle(.statResult(snap(b, 0, []), now: 2000)) == [.readFrom(offset: 1000)])
        // the writer had not reopened yet: 70 more bytes in the old file, the wait starts again
        #expect(t.handle(.readCompleted(bytesRead: 70, carriedBytes: 0, tooLongLines: 0)).first == .persist(TailPosition(identity: a, offset: 1070, fingerprint: fpA)))
        #expect(t.handle(.readCompleted(bytesRead: 0, carriedBytes: 0, tooLongLines: 0)) == [])  // quiet since 2000
        _ = t.handle(.statResult(snap(b, 0, []), now: 4000))
        #expect(t.handle(.readCompleted(bytesRead: 0, carriedBytes: 0, tooLongLines: 0)) == [])
        _ = t.handle(.statResult(snap(b, 0, []), now: 5000))
        #expect(t.handle(.readCompleted(bytesRead: 0, carriedBytes: 0, tooLongLines: 0)) == [.reopen])
    }

    @Test("rename + create with a rotate wait: once the new file has lines, the old one is left at its end")
    func rotateWaitEndsWhenWriterMoved() {
        var t = LogTailState(rotateWaitMilliseconds: 60_000)
        _ = t.handle(.statResult(snap(a, 1000, fpA), now: 0))
        _ = t.handle(.opened(snap(a, 1000, fpA)))
        _ = t.handle(.readCompleted(bytesRead: 1000, carriedBytes: 0, tooLongLines: 0))
        _ = t.handle(.readCompleted(bytesRead: 0, carriedBytes: 0, tooLongLines: 0))
        #expect(t.handle(.statResult(snap(b, 0, []), now: 1000)) == [.countRotation, .readFrom(offset: 1000)])
        #expect(t.handle(.readCompleted(bytesRead: 0, carriedBytes: 0, tooLongLines: 0)) == [])
        #expect(t.handle(.statResult(snap(b, 120, fpB), now: 2000)) == [.readFrom(offset: 1000)])
        #expect(t.handle(.readCompleted(bytesRead: 30, carriedBytes: 0, tooLongLines: 0)).last == .readFrom(offset: 1030))
        #expect(t.handle(.readCompleted(bytesRead: 0, carriedBytes: 0, tooLongLines: 0)) == [.reopen])
        // the new file as first seen: compared when it is opened, so a truncation in between is noticed
        _ = t.handle(.restored(TailPosition(identity: b, offset: 0, fingerprint: fpB)))
        #expect(t.handle(.opened(snap(b, 40, Array("[2024-05-03".utf8)))) == [.countTruncation, .finishRotated(identity: b, offset: 0, fingerprint: fpB)])
    }

    @Test("restart after kill: rotated while stopped — finish the rotated file (maybe .gz) by path, then the new one from 0")
    func restartRotated() {
        var t = LogTailState()
        _ = t.handle(.restored(TailPosition(identity: a, offset: 700, fingerprint: fpA)))
        #expect(t.handle(.opened(snap(b, 50, fpB))) == [.countRotation, .finishRotated(identity: a, offset: 700, fingerprint: fpA)])
        #expect(t.handle(.statResult(snap(b, 60, fpB))) == [])  // waits for the rotated file
        #expect(t.handle(.rotatedFinished(found: false)) == [.persist(TailPosition(identity: b, offset: 0, fingerprint: fpB)), .readFrom(offset: 0)])
    }

    @Test("partial last line: the persisted offset stays at the newline until the line completes")
    func partialLine() {
        var t = following()
        _ = t.handle(.statResult(snap(a, 1050, fpA)))
        #expect(t.handle(.readCompleted(bytesRead: 50, carriedBytes: 50, tooLongLines: 0)) == [.readFrom(offset: 1050)])
        _ = t.handle(.readCompleted(bytesRead: 0, carriedBytes: 50, tooLongLines: 0))
        #expect(t.position?.offset == 1000)
        #expect(t.handle(.statResult(snap(a, 1080, fpA))) == [.readFrom(offset: 1050)])
        #expect(t.handle(.readCompleted(bytesRead: 30, carriedBytes: 5, tooLongLines: 0))
            == [.persist(TailPosition(identity: a, offset: 1075, fingerprint: fpA)), .readFrom(offset: 1080)])
    }

    @Test("too-long lines are counted")
    func tooLong() {
        var t = following()
        _ = t.handle(.statResult(snap(a, 300_000, fpA)))
        #expect(t.handle(.readCompleted(bytesRead: 100_000, carriedBytes: 99_000, tooLongLines: 0)) == [.persist(TailPosition(identity: a, offset: 2000, fingerprint: fpA)), .readFrom(offset: 101_000)])
        #expect(t.handle(.readCompleted(bytesRead: 100_000, carriedBytes: 0, tooLongLines: 1))
            == [.countTooLong(1), .persist(TailPosition(identity: a, offset: 201_000, fingerprint: fpA)), .readFrom(offset: 201_000)])
    }

    @Test("a missing file: nothing until it appears; a failed open retries on the next stat")
    func missing() {
        var t = LogTailState()
        #expect(t.handle(.statResult(nil)) == [])
        #expect(t.handle(.statResult(snap(a, 0, []))) == [.open])
        #expect(t.handle(.openFailed) == [])
        #expect(t.handle(.statResult(snap(a, 0, []))) == [.open])
    }
}

@Suite("TailPosition")
struct LogTailPositionTests {
    @Test("round trip, compact, and garbage decodes to nil")
    func codec() {
        let p = TailPosition(identity: FileIdentity(device: 0x1234_5678_9ABC, inode: .max), offset: 987_654_321, fingerprint: Array("hello".utf8))
        let bytes = p.encoded()
        #expect(bytes.count == 31 + 5 + 4)
        #expect(TailPosition(decoding: bytes) == p)
        let empty = TailPosition(identity: FileIdentity(device: 1, inode: 2), offset: 0, fingerprint: [])
        #expect(TailPosition(decoding: empty.encoded()) == empty)
        let big = TailPosition(identity: FileIdentity(device: 1, inode: 2), offset: 3, fingerprint: Array(repeating: 7, count: 2000))
        #expect(TailPosition(decoding: big.encoded())?.fingerprint.count == 1024)

        #expect(TailPosition(decoding: []) == nil)
        #expect(TailPosition(decoding: Array("garbage garbage garbage garbage garbage".utf8)) == nil)
        #expect(TailPosition(decoding: Array(bytes.dropLast())) == nil)
        #expect(TailPosition(decoding: bytes + [0]) == nil)
        for i in bytes.indices {  // every single-bit flip is caught
            var flipped = bytes
            flipped[i] ^= 0x10
            #expect(TailPosition(decoding: flipped) == nil)
        }
    }
}

@Suite("LogTailLineFramer")
struct LogTailLineFramerTests {
    func feed(_ f: inout LogTailLineFramer, _ s: String) -> (lines: [String], tooLong: Int) {
        var lines: [String] = []
        let n = Array(s.utf8).withUnsafeBytes { buf in
            f.feed(buf) { lines.append(String(decoding: $0, as: UTF8.self)) }
        }
        return (lines, n)
    }

    @Test("partial lines wait for their newline; carried bytes are counted")
    func partial() {
        var f = LogTailLineFramer()
        let r1 = feed(&f, "one\ntw")
        #expect(r1.lines == ["one"])
        #expect(f.carriedBytes == 2)
        let r2 = feed(&f, "o\nthree\n")
        #expect(r2.lines == ["two", "three"])
        #expect(f.carriedBytes == 0)
        _ = feed(&f, "four")
        var flushed: [String] = []
        f.flush { flushed.append(String(decoding: $0, as: UTF8.self)) }
        #expect(flushed == ["four"])
        #expect(f.carriedBytes == 0)
    }

    @Test("lines over the limit are skipped whole, even across reads, and counted")
    func tooLong() {
        var f = LogTailLineFramer(limit: 8)
        let r1 = feed(&f, "12345678\n123456789\nok\n1234")
        #expect(r1.lines == ["12345678", "ok"])
        #expect(r1.tooLong == 1)
        let r2 = feed(&f, "56789")  // now over the limit: dropped, still counted as carried
        #expect(r2.lines.isEmpty)
        #expect(f.carriedBytes == 9)
        let r3 = feed(&f, "abc\nnext\n")
        #expect(r3.lines == ["next"])
        #expect(r3.tooLong == 1)
        _ = feed(&f, "0123456789")
        #expect(f.flush { _ in } == 1)
        f.reset()
        #expect(feed(&f, "x\n").lines == ["x"])
    }
}
