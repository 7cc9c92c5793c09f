import Hummingbird
import HTTPTypes
import Logging
import SondeCore

/// Every route but `/-/healthy` needs `Authorization: Bearer TOKEN` when a token is set; the
/// comparison takes the same time whatever the first wrong byte, so timing tells nothing.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let token: [UInt8]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == "/-/healthy" { return try await next(request, context) }
        let presented = request.headers[.authorization].flatMap { header -> [UInt8]? in
            guard header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
            return Array(header.dropFirst(7).utf8)
        }
        guard let presented, Self.constantTimeEqual(presented, token) else {
            var response = APIError(status: .unauthorized, type: .badData, message: "missing or wrong bearer token (api.token_file)").response
            response.headers[.wwwAuthenticate] = "Bearer realm=\"sonde\""
            return response
        }
        return try await next(request, context)
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count)
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}

/// Headers on every answer: a strict Content-Security-Policy (the status page needs no script and
/// loads nothing from elsewhere), no sniffing, no framing, no referrer. No CORS header is ever
/// sent, so a page on another origin cannot read the API.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    static let contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return response
    }
}

/// Turns what a handler throws into an answer: an `APIError` as Prometheus' error JSON; anything
/// else Hummingbird knows (413, 404) as it is; the rest as a 500, logged, which is a bug.
/// Counts requests by route pattern and code for `sonde_api_requests_total`, and logs each request at debug.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let statistics: APIStatistics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = error.response
        } catch let error as any HTTPResponseError {
            response = APIError(status: error.status, type: error.status == .notFound ? .notFound : .badData, message: "\(error)").response
        } catch {
            logger.error("API handler failed", metadata: ["http.path": "\(request.uri.path)", "error": "\(error)"])
            response = APIError(status: .internalServerError, type: .internal, message: "\(error)").response
        }
        let seconds = (ContinuousClock.now - started).inSeconds
        let route = context.endpointPath ?? "other"
        statistics.record(route: route, code: response.status.code, seconds: seconds)
        logger.debug("api request", metadata: [
            "http.method": "\(request.method)", "http.path": "\(request.uri.path)", "http.status": "\(response.status.code)",
            "http.peer": "\(context.peer)", "duration.ms": "\(Int(seconds * 1000))",
        ])
        return response
    }
}
