import CZlib
import SondeCore
import SondeStore
import SondeTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A scratch directory removed when the test ends.
final class LineReaderScratch {
    private let directory = TemporaryDirectory("sonde-linereader")
    var path: String { directory.path }

    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let file = path + "/" + name
        let handle = fopen(file, "wb")
        if let handle {
            _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
            fclose(handle)
        }
        return file
    }

    func writeGzip(_ name: String, _ bytes: [UInt8]) -> String {
        let file = path + "/" + name
        if let handle = gzopen(file, "wb") {
            _ = bytes.withUnsafeBytes { gzwrite(handle, $0.baseAddress, UInt32($0.count)) }
            gzclose(handle)
        }
        return file
    }

    func read(_ file: String) -> [UInt8] {
        guard let handle = fopen(file, "rb") else { return [] }
        defer { fclose(handle) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            if count == 0 { return result }
            result += chunk[0..<count]
        }
    }
}

@Suite struct ImportLineReaderTests {
    func lines(_ path: String, blockSize: Int = LineReader.defaultBlockSize, maxLineLength: Int = LineReader.defaultMaxLineLength)
        throws -> [(String, Int)]
    {
        let reader = try LineReader(path: path, blockSize: blockSize, maxLineLength: maxLineLength)
        var result: [(String, Int)] = []
        try reader.forEachLine { line, number in result.append((String(decoding: line, as: UTF8.self), number)) }
        return result
    }

    @Test func plainAndGzipReadTheSame() throws {
        let scratch = LineReaderScratch()
        let content = Array("a 1 1\nb 2 2\r\n\n# EOF".utf8)
        for path in [scratch.write("plain.om", content), scratch.writeGzip("packed.om.gz", content)] {
            let result = try lines(path)
            #expect(result.map(\.0) == ["a 1 1", "b 2 2", "", "# EOF"])
            #expect(result.map(\.1) == [1, 2, 3, 4])
        }
    }

    @Test func trailingNewlineAddsNoEmptyLine() throws {
        let scratch = LineReaderScratch()
        #expect(try lines(scratch.write("a", Array("x\n".utf8))).map(\.0) == ["x"])
        #expect(try lines(scratch.write("b", Array("x\n\n".utf8))).map(\.0) == ["x", ""])
        #expect(try lines(scratch.write("c", [])).isEmpty)
        #expect(try lines(scratch.write("d", Array("\r\n".utf8))).map(\.0) == [""])
        #expect(try lines(scratch.write("e", Array("only\r".utf8))).map(\.0) == ["only"])
        // Only a trailing \r is stripped.
        #expect(try lines(scratch.write("f", Array("a\rb\r\r\n".utf8))).map(\.0) == ["a\rb\r"])
    }

    @Test func linesSpanningBlocks() throws {
        let scratch = LineReaderScratch()
        var generator = SplitMix64(seed: 99)
        var expected: [String] = []
        var content: [UInt8] = []
        for index in 0..<3000 {
            let length = Int(generator.next() % 60)
            let line = String(repeating: Character(Unicode.Scalar(UInt8(97 + index % 26))), count: length) + "\(index)"
            expected.append(line)
            content += Array(line.utf8) + [10]
        }
        let plain = scratch.write("blocks.om", content)
        let packed = scratch.writeGzip("blocks.om.gz", content)
        for blockSize in [1, 2, 7, 64, 4096, 1 << 20] {
            for path in [plain, packed] {
                let result = try lines(path, blockSize: blockSize, maxLineLength: 128)
                #expect(result.map(\.0) == expected, "block size \(blockSize), \(path)")
                #expect(result.last?.1 == expected.count)
            }
        }
    }

    @Test func overlongLinesAreErrors() throws {
        let scratch = LineReaderScratch()
        let exact = scratch.write("exact", Array("0123456789\nshort\n".utf8))
        #expect(try lines(exact, blockSize: 4, maxLineLength: 10).map(\.0) == ["0123456789", "short"])
        let long = scratch.write("long", Array("ok\n0123456789A\nnext\n".utf8))
        for blockSize in [3, 1024] {  // detected while carrying a partial line, and within one block
            #expect(throws: ParseError(file: long, line: 2, column: 11, message: "line is longer than the maximum of 10 bytes")) {
                _ = try lines(long, blockSize: blockSize, maxLineLength: 10)
            }
        }
        let lastLine = scratch.write("last", Array("ok\n0123456789A".utf8))
        #expect(throws: ParseError(file: lastLine, line: 2, column: 11, message: "line is longer than the maximum of 10 bytes")) {
            _ = try lines(lastLine, blockSize: 1024, maxLineLength: 10)
        }
    }

    @Test func missingFileAndDirectory() {
        let scratch = LineReaderScratch()
        let missing = scratch.path + "/missing.om"
        do {
            _ = try LineReader(path: missing)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.message == "cannot open \(missing): No such file or directory")
        }
        do {
            _ = try LineReader(path: scratch.path)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message == "cannot read \(scratch.path): it is a directory")
        }
    }

    func bigText() -> [UInt8] {
        var content: [UInt8] = []
        var generator = SplitMix64(seed: 5)
        for index in 0..<50_000 {
            content += Array("series_\(generator.next() % 1000){instance=\"host-\(index % 97)\"} \(generator.next() % 100_000) \(1_795_331_271 + index)\n".utf8)
        }
        return content
    }

    @Test func corruptGzipIsReported() throws {
        let scratch = LineReaderScratch()
        let good = scratch.writeGzip("good.gz", bigText())
        var bytes = scratch.read(good)
        #expect(bytes.count > 10_000)
        for offset in stride(from: bytes.count / 2, to: bytes.count / 2 + 64, by: 1) { bytes[offset] ^= 0x5A }
        let corrupt = scratch.write("corrupt.gz", bytes)
        do {
            _ = try lines(corrupt)
            Issue.record("expected an error")
        } catch let error as SondeError {
            #expect(error.code == .corrupt)
            #expect(error.message.hasPrefix("cannot read \(corrupt): corrupt gzip data ("), "\(error)")
        }
    }

    @Test func truncatedGzipIsReported() throws {
        let scratch = LineReaderScratch()
        let good = scratch.writeGzip("good.gz", bigText())
        let bytes = scratch.read(good)
        let truncated = scratch.write("truncated.gz", Array(bytes.prefix(bytes.count / 2)))
        var delivered = 0
        do {
            let reader = try LineReader(path: truncated)
            try reader.forEachLine { _, _ in delivered += 1 }
            Issue.record("expected an error")
        } catch let error as SondeError {
            #expect(error.code == .corrupt)
            #expect(error.message == "cannot read \(truncated): truncated gzip data (unexpected end of file)")
        }
        #expect(delivered > 0)
    }

    @Test func progressReachesTheFileSize() throws {
        let scratch = LineReaderScratch()
        let content = bigText()
        for path in [scratch.write("p.om", content), scratch.writeGzip("p.om.gz", content)] {
            let reader = try LineReader(path: path, blockSize: 16_384)
            #expect(reader.fileSize == Int64(scratch.read(path).count))
            #expect(reader.bytesConsumed == 0)
            var previous: Int64 = 0
            var increased = 0
            try reader.forEachLine { _, _ in
                let consumed = reader.bytesConsumed
                #expect(consumed >= previous && consumed <= reader.fileSize)
                if consumed > previous { increased += 1 }
                previous = consumed
            }
            #expect(increased > 1, "progress moves during the read of \(path)")
            #expect(reader.bytesConsumed == reader.fileSize)
            #expect(reader.fractionConsumed == 1)
        }
    }

    @Test func bodyErrorsStopReadingAndAReaderReadsOnce() throws {
        struct Stop: Error {}
        let scratch = LineReaderScratch()
        let path = scratch.write("x", Array("a\nb\nc\n".utf8))
        let reader = try LineReader(path: path)
        var seen: [Int] = []
        #expect(throws: Stop.self) {
            try reader.forEachLine { _, number in
                seen.append(number)
                if number == 2 { throw Stop() }
            }
        }
        #expect(seen == [1, 2])
        #expect(throws: SondeError.self) { try reader.forEachLine { _, _ in } }
    }

    @Test func readerFeedsTheParser() throws {
        let scratch = LineReaderScratch()
        let path = scratch.writeGzip("in.om.gz", Array("# TYPE up gauge\r\nup{job=\"a\"} 1 1795331271.5\r\n\r\nup{job=\"b\"} 0 1795331272\r\n# EOF\r\n".utf8))
        let reader = try LineReader(path: path)
        var parser = OpenMetricsParser(fileName: path)
        var samples: [(Labels, Double, Int64)] = []
        var last = 0
        try reader.forEachLine { line, number in
            last = number
            if case .sample(let series, let value, let timestamp) = try parser.parseLine(line, lineNumber: number) {
                samples.append((try OpenMetricsParser.parseSeries(UnsafeRawBufferPointer(rebasing: line[series])), value, timestamp))
            }
        }
        try parser.finish(lineNumber: last + 1)
        #expect(samples.map(\.0) == [Labels(name: "up", ["job": "a"]), Labels(name: "up", ["job": "b"])])
        #expect(samples.map(\.1) == [1, 0])
        #expect(samples.map(\.2) == [1_795_331_271_500, 1_795_331_272_000])
    }
}

