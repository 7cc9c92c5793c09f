// Fuzzes the OpenMetrics importer's parser: the input is split into lines as `LineReader` does
// (at `\n`, a trailing `\r` stripped) and each line goes through `OpenMetricsParser.parseLine`;
// the series text of every accepted sample then goes through `OpenMetricsParser.parseSeries`, as
// `OpenMetricsImporter` does. Parse errors are expected; traps and ASan reports are findings.
//
// Each line is copied into an allocation of exactly its length, so a read past the end of a line
// is an ASan heap-buffer-overflow instead of a silent read of the next line.
import FuzzDriver
import FuzzSupport
import SondeCore
import SondeStore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    var parser = OpenMetricsParser(fileName: "fuzz.om")
    var lineNumber = 0
    var start = 0
    while start < size {
        var end = start
        while end < size, input[end] != UInt8(ascii: "\n") { end += 1 }
        var length = end - start
        if length > 0, input[start + length - 1] == UInt8(ascii: "\r") { length -= 1 }
        lineNumber += 1
        withExactCopy(UnsafeBufferPointer(rebasing: input[start..<(start + length)])) { line in
            parseOneLine(&parser, line, lineNumber)
        }
        start = end + 1
    }
    _ = try? parser.finish(lineNumber: lineNumber + 1)
    return 0
}

private func parseOneLine(_ parser: inout OpenMetricsParser, _ line: UnsafeRawBufferPointer, _ lineNumber: Int) {
    let parsed: OpenMetricsLine
    do {
        parsed = try parser.parseLine(line, lineNumber: lineNumber)
    } catch {
        check(error.line == lineNumber && error.column >= 1 && error.column <= line.count + 1,
              "parseLine error position \(error.line):\(error.column) outside the line (\(line.count) bytes)")
        return
    }
    guard case .sample(let series, _, _) = parsed else { return }
    check(series.lowerBound == 0 && series.upperBound >= 1 && series.upperBound <= line.count,
          "series range \(series) outside the line (\(line.count) bytes)")
    withExactCopy(UnsafeBufferPointer(rebasing: line.assumingMemoryBound(to: UInt8.self)[series])) { text in
        do throws(ParseError) {
            let labels = try OpenMetricsParser.parseSeries(
                text, fileName: "fuzz.om", lineNumber: lineNumber, columnOffset: series.lowerBound)
            check(labels[Labels.metricNameLabel] != nil, "parsed series without a metric name")
        } catch {
            check(error.column >= 1 && error.column <= text.count + 1,
                  "parseSeries error column \(error.column) outside the series text (\(text.count) bytes)")
        }
    }
}
sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
