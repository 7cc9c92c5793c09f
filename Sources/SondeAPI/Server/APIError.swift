import Hummingbird
import SondeCore
import SondeRules

/// An error answer in Prometheus' shape: `{"status":"error","errorType":"bad_data","error":"…"}`,
/// with Prometheus' status codes (400 bad input, 422 execution, 503 timeout or unavailable).
public struct APIError: Error, Sendable {
    public enum Kind: String, Sendable {
        case badData = "bad_data"
        case execution
        case timeout
        case canceled
        case unavailable
        case notFound = "not_found"
        case `internal`
    }

    public var status: HTTPResponse.Status
    public var type: Kind
    public var message: String

    public init(status: HTTPResponse.Status, type: Kind, message: String) {
        self.status = status
        self.type = type
        self.message = message
    }

    public static func badData(_ message: String) -> APIError {
        APIError(status: .badRequest, type: .badData, message: message)
    }

    /// A query's failure: over a limit, out of time, or refused input.
    public static func query(_ error: SondeError) -> APIError {
        switch error.code {
        case PromQLLimits.sampleLimitCode, PromQLLimits.executionCode: APIError(status: .unprocessableContent, type: .execution, message: error.message)
        case PromQLLimits.timeoutCode: APIError(status: .serviceUnavailable, type: .timeout, message: error.message)
        case .io, .corrupt: APIError(status: .unprocessableContent, type: .execution, message: error.description)
        default: APIError(status: .badRequest, type: .badData, message: error.description)
        }
    }

    var response: Response {
        let body = "{\"status\":\"error\",\"errorType\":\"\(type.rawValue)\",\"error\":\(PrometheusJSON.string(message))}"
        return APIResponse.json(body, status: status)
    }
}

/// Building responses.
public enum APIResponse {
    public static func json(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        bytes(Array(body.utf8), contentType: "application/json", status: status)
    }

    /// Prometheus' success envelope around a `data` value already written as JSON.
    public static func success(_ data: String) -> Response {
        json("{\"status\":\"success\",\"data\":" + data + "}")
    }

    public static func text(_ body: String, contentType: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        bytes(Array(body.utf8), contentType: contentType, status: status)
    }

    public static func bytes(_ body: [UInt8], contentType: String, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = contentType
        headers[.contentLength] = String(body.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
