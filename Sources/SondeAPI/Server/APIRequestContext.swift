import Hummingbird
import Logging
import NIOCore

/// The context of one API request: Hummingbird's core storage and the peer's address for the
/// access log.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let peer: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        peer = source.channel.remoteAddress.map { "\($0)" } ?? "unix"
    }

    /// A request handed to the router in process (tests and benchmarks), with no connection.
    public init(logger: Logger) {
        coreContext = CoreRequestContextStorage(source: InProcessSource(logger: logger))
        peer = "in-process"
    }

    /// Bodies larger than this get 413 before any handler reads them.
    public var maxUploadSize: Int { APILimits.maxBodyBytes }

    private struct InProcessSource: RequestContextSource {
        let logger: Logger
    }
}

public enum APILimits {
    /// Request bodies (form posts, silences) are at most 1 MiB.
    public static let maxBodyBytes = 1 << 20

    /// The whole body of `request`, or 413 past `maxBodyBytes`.
    static func body(of request: Request) async throws(APIError) -> ByteBuffer {
        var request = request
        do {
            return try await request.collectBody(upTo: maxBodyBytes)
        } catch {
            throw APIError(status: .contentTooLarge, type: .badData, message: "request body larger than \(maxBodyBytes) bytes")
        }
    }
}
