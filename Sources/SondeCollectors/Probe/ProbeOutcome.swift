import SondeNet
import SondeCore

/// Why a probe failed: the `reason` label of `probe_failures_total`.
public enum ProbeFailure: String, Sendable, CaseIterable {
    case dns, connect, timeout, tls
    /// The status is not one of the expected ones.
    case status
    /// A `body_must_match` pattern did not match, a `body_must_not_match` one did, or the body was
    /// larger than a probe reads.
    case body
    /// Anything else: a broken response, too many redirects, an unusable request.
    case other
}

/// What one probe run found, before it becomes metrics. Pure data: built by `ProbeOutcome.evaluate`
/// from the client's answer, turned into samples by `ProbeMetrics`.
public struct ProbeOutcome: Sendable, Equatable {
    public var failure: ProbeFailure?
    public var success: Bool { failure == nil }
    /// The whole run, as the probe measured it (also when it failed).
    public var durationSeconds: Double
    /// Present when an exchange (or, for TCP, a connection) completed.
    public var info: HTTPTransferInfo?
    public var status: Int?
    public var responseBytes: Int?

    public init(failure: ProbeFailure?, durationSeconds: Double, info: HTTPTransferInfo? = nil, status: Int? = nil, responseBytes: Int? = nil) {
        self.failure = failure
        self.durationSeconds = durationSeconds
        self.info = info
        self.status = status
        self.responseBytes = responseBytes
    }

    /// The failure reason of a client error.
    public static func failure(of error: HTTPError) -> ProbeFailure {
        switch error.kind {
        case .dns: .dns
        case .connect: .connect
        case .timeout: .timeout
        case .tls: .tls
        case .tooLarge: .body
        default: .other
        }
    }

    /// Judges a response: the status first (empty `expectStatus` means any 2xx), then the body
    /// patterns. The body is the server's, so it is only matched, never trusted further.
    public static func evaluate(
        _ response: HTTPResponse, expectStatus: [Int], mustMatch: [ProbeBodyPattern], mustNotMatch: [ProbeBodyPattern], durationSeconds: Double
    ) -> ProbeOutcome {
        var outcome = ProbeOutcome(failure: nil, durationSeconds: durationSeconds, info: response.info, status: response.status, responseBytes: response.body.count)
        let statusOK = expectStatus.isEmpty ? (200...299).contains(response.status) : expectStatus.contains(response.status)
        if !statusOK {
            outcome.failure = .status
        } else if !mustMatch.isEmpty || !mustNotMatch.isEmpty {
            let text = String(decoding: response.body, as: UTF8.self)
            if !mustMatch.allSatisfy({ $0.matches(text) }) || mustNotMatch.contains(where: { $0.matches(text) }) {
                outcome.failure = .body
            }
        }
        return outcome
    }
}

/// A body pattern of a probe: a regular expression searched anywhere in the body. Two are equal
/// when their expressions are (the compiled form follows from it).
public struct ProbeBodyPattern: Sendable, Equatable {
    public let pattern: String
    private let compiled: RegexPattern

    public init(_ pattern: String) throws {
        self.pattern = pattern
        compiled = try RegexPattern(pattern, anchoring: .anywhere, key: "body pattern")
    }

    public func matches(_ text: String) -> Bool { compiled.matches(text) }

    public static func == (lhs: ProbeBodyPattern, rhs: ProbeBodyPattern) -> Bool { lhs.pattern == rhs.pattern }
}
