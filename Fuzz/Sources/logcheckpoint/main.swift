// Fuzzes what a log collector reads back from the data directory at start: the tail position
// (`TailPosition(decoding:)`) and the metrics checkpoint (`GunicornAccessMetrics.restore`,
// `GunicornErrorMetrics.restore`). A damaged file must be refused or restore cleanly, never trap;
// what restores must encode again and restore to the same bytes.
import FuzzDriver
import FuzzSupport
import SondeCollectors
import SondeCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let position = TailPosition(decoding: bytes) {
        check(TailPosition(decoding: position.encoded()) == position, "position does not round-trip")
    }
    var reader = CheckpointReader(bytes)
    var access = GunicornAccessMetrics(app: "fuzz", decoder: .json(AccessLogJSONParser()))
    if (try? access.restore(from: &reader)) != nil {
        var writer = CheckpointWriter()
        access.encode(into: &writer)
        var again = GunicornAccessMetrics(app: "fuzz", decoder: .json(AccessLogJSONParser()))
        var rereader = CheckpointReader(writer.bytes)
        check((try? again.restore(from: &rereader)) != nil, "a re-encoded checkpoint does not restore")
        var rewriter = CheckpointWriter()
        again.encode(into: &rewriter)
        check(rewriter.bytes == writer.bytes, "checkpoint does not round-trip")
        var errors = GunicornErrorMetrics(app: "fuzz")
        _ = try? errors.restore(from: &reader)
    }
    return 0
}

sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
