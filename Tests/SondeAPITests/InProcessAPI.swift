import HTTPTypes
import Hummingbird
import Logging
import SondeAPI
import SondeCore
import SondeNotify
import SondeStore
import SondeTestSupport

/// The API's router called in process: a request in, the answer's status, headers and body out,
/// with no socket. Each test gets a store of its own in a temporary directory.
final class InProcessAPI: @unchecked Sendable {
    struct Answer {
        var status: Int
        var headers: HTTPFields
        var bytes: [UInt8]
        var body: String { String(decoding: bytes, as: UTF8.self) }
        func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
    }

    let directory = TemporaryDirectory("sonde-api")
    let store: Store
    let clock = TestClock(wallMilliseconds: 1_800_000_000_000)
    let statistics = APIStatistics()
    var sources: APISources
    var settings = APISettings(listen: ListenAddress("127.0.0.1:0"))

    init() throws {
        store = try Store.open(directory: directory.path + "/data")
        sources = APISources(store: store, silences: SilenceFile(directory: directory.path + "/data/notify"), clock: clock)
    }

    deinit {
        try? store.close()
        directory.remove()
    }

    /// Appends `value` at each of `times` (milliseconds) to the series `labels`.
    func append(_ labels: Labels, _ points: [(Int64, Double)]) {
        for (time, value) in points { store.append(labels, timestamp: time, value: value) }
    }

    func get(_ pathAndQuery: String, headers: HTTPFields = [:]) async throws -> Answer {
        try await send(.get, pathAndQuery, headers: headers, body: [])
    }

    func postForm(_ path: String, _ form: String, headers: HTTPFields = [:]) async throws -> Answer {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await send(.post, path, headers: headers, body: Array(form.utf8))
    }

    func send(_ method: HTTPRequest.Method, _ pathAndQuery: String, headers: HTTPFields, body: [UInt8]) async throws -> Answer {
        let router = APIRouter.make(sources: sources, settings: settings, statistics: statistics, logger: Logger(label: "test"))
        let responder = router.buildResponder()
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: "127.0.0.1", path: pathAndQuery, headerFields: headers),
            body: RequestBody(buffer: ByteBuffer(bytes: body)))
        let response = try await responder.respond(to: request, context: APIRequestContext(logger: Logger(label: "test")))
        let collector = BodyCollector()
        try await response.body.write(CollectingWriter(collector: collector))
        return Answer(status: response.status.code, headers: response.headers, bytes: collector.bytes)
    }

    private final class BodyCollector: @unchecked Sendable {
        var bytes: [UInt8] = []
    }

    private struct CollectingWriter: ResponseBodyWriter {
        let collector: BodyCollector
        mutating func write(_ buffer: ByteBuffer) async throws { collector.bytes += buffer.readableBytesView }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
}
