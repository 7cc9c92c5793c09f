// Fuzzes the HTTP API's handling of a request, through the real router in process: the query
// string and form body decoding, every route's parameter parsing (times, durations, selectors,
// PromQL, match[], Alertmanager filters and matchers, /graph's options), a silence posted as JSON,
// and the answers they lead to. Invariants besides "does not trap": no answer is a 500 (bad input
// is the client's error, never the server's), and every answer has a Content-Type.
//
// Input: the first byte picks the method (GET, form POST, JSON POST, DELETE), the first line is the
// path and query, the rest is the body.
import Dispatch
import FuzzDriver
import FuzzSupport
import HTTPTypes
import Hummingbird
import Logging
import SondeAPI
import SondeCore
import SondeNotify
import SondeStore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A store with a few series and the router over it, made once: every input is a request to the same API.
let api: any HTTPResponder<APIRequestContext> = {
    let directory = "/tmp/sonde-fuzz-api-\(getpid())"
    guard let store = try? Store.open(directory: directory) else { fatalError("cannot open a store in \(directory)") }
    let now = SystemClock().wallMilliseconds
    for instance in ["a", "b", "c"] {
        for step in 0..<30 {
            store.append(Labels([Label("__name__", "node_load1"), Label("instance", instance)]), timestamp: now - Int64(29 - step) * 10_000, value: Double(step))
            store.append(Labels([Label("__name__", "sonde_api_fuzz_total"), Label("instance", instance)]), timestamp: now - Int64(29 - step) * 10_000, value: Double(step))
        }
    }
    var quiet = Logger(label: "fuzz")
    quiet.logLevel = .critical
    let sources = APISources(store: store, silences: SilenceFile(directory: directory + "/notify"), clock: SystemClock())
    // Small limits, so a costly query ends quickly instead of timing the fuzzer out.
    let settings = APISettings(listen: ListenAddress("127.0.0.1:0"), queryTimeout: .seconds(1), maxSamples: 1_000_000)
    return APIRouter.make(sources: sources, settings: settings, statistics: APIStatistics(), logger: quiet).buildResponder()
}()

final class Outcome: @unchecked Sendable {
    var status = 0
    var contentType: String?
}

/// Answers `request` on the cooperative pool and waits for it.
func respond(_ request: Request) -> Outcome {
    let outcome = Outcome()
    let done = DispatchSemaphore(value: 0)
    Task {
        defer { done.signal() }
        do {
            let response = try await api.respond(to: request, context: APIRequestContext(logger: Logger(label: "fuzz")))
            outcome.status = response.status.code
            outcome.contentType = response.headers[.contentType]
        } catch {
            outcome.status = -1
        }
    }
    done.wait()
    return outcome
}

// The routes' one-time statics (compiled matchers, formatters) are made here, before fuzzing, so
// the leak checker does not count them against the first input that reaches them.
for path in ["/metrics", "/api/v1/query?query=node_load1", "/", "/graph?expr=node_load1", "/api/v2/alerts", "/api/v2/status"] {
    _ = respond(Request(head: HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: path), body: RequestBody(buffer: ByteBuffer())))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ bytes: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 1 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: bytes + 1, count: size - 1))
    let newline = input.firstIndex(of: UInt8(ascii: "\n")) ?? input.count
    var path = String(decoding: input[..<newline], as: UTF8.self)
    if !path.hasPrefix("/") { path = "/" + path }
    let body = newline < input.count ? Array(input[(newline + 1)...]) : []
    var headers: HTTPFields = [:]
    let method: HTTPRequest.Method
    switch bytes[0] % 4 {
    case 0: method = .get
    case 1:
        method = .post
        headers[.contentType] = "application/x-www-form-urlencoded"
    case 2:
        method = .post
        headers[.contentType] = "application/json"
    default: method = .delete
    }
    // HTTPTypes refuses paths with bytes a request line cannot carry; so would the server's parser.
    guard path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return 0 }
    let request = Request(
        head: HTTPRequest(method: method, scheme: "http", authority: "127.0.0.1", path: path, headerFields: headers),
        body: RequestBody(buffer: ByteBuffer(bytes: body)))
    let outcome = respond(request)
    check(outcome.status != 500, "\(method) \(path) answered 500")
    check(outcome.status != -1, "\(method) \(path) threw past the middleware")
    check(outcome.status == 204 || outcome.status == 405 || outcome.contentType != nil, "\(method) \(path): \(outcome.status) without a Content-Type")
    return 0
}

sonde_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)
