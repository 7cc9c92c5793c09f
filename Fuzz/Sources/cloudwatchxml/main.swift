// Fuzzes the readers of AWS query-protocol responses (what a CloudWatch endpoint, or anything
// pretending to be one, sends back): `XMLReader.parse`, `CloudWatchXML.getMetricData` and
// `listMetrics`, `AWSErrorResponse.parse`. Invariants besides "does not trap or overflow the
// stack": an error's offset lies inside the input (or just past its end); every parsed result has
// as many points as the document had timestamps, all values finite.
import FuzzDriver
import FuzzSupport
import SondeAWS

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = AWSErrorResponse.parse(bytes)
    let root: XMLElement
    do {
        root = try XMLReader.parse(bytes)
    } catch {
        check(error.offset >= 0 && error.offset <= size, "error offset \(error.offset) outside 0...\(size)")
        return 0
    }
    if let page = try? CloudWatchXML.getMetricData(root) {
        let members = root.child("GetMetricDataResult")?.child("MetricDataResults")?.children("member") ?? []
        check(page.results.count == members.count, "\(page.results.count) results from \(members.count) members")
        for (result, member) in zip(page.results, members) {
            check(result.points.count == (member.child("Timestamps")?.children("member").count ?? 0), "points of \(result.id)")
            check(result.points.allSatisfy { $0.value.isFinite }, "a non-finite value in \(result.id)")
        }
    }
    if let page = try? CloudWatchXML.listMetrics(root) {
        check(page.nextToken?.isEmpty != true, "an empty NextToken was returned")
    }
    return 0
}

sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
