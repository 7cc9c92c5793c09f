public struct GunicornAppConfig: Sendable, Equatable {
    /// Where to begin a log file seen for the first time (no saved position).
    public enum StartAt: String, Sendable, Equatable {
        /// Read it whole: its lines land at their own times (the default).
        case beginning
        /// Only lines written from now on.
        case end
    }

    /// A user route: `pattern` segments are literal or `*` (one segment); `route` is the label value.
    public struct RoutePattern: Sendable, Equatable {
        public var pattern: String
        public var route: String
    }

    public var app: String
    public var accessLog: String?
    public var errorLog: String?
    /// Gunicorn `access_log_format`, `combined` (nginx) or `json`; nil for Gunicorn's default.
    public var format: String?
    /// Where `format` was written, so a bad format is reported at its line and column.
    public var formatPosition: YAMLPosition?
    public var interval: Duration = .seconds(1)
    /// Request-duration histogram bounds in seconds, ascending; nil for the default buckets.
    public var durationBuckets: [Double]?
    public var maxRoutes = 100
    public var routes: [RoutePattern] = []
    public var maxLineBytes: Int64 = 64 * 1024
    public var startAt = StartAt.beginning
    public var rotateWait: Duration = .seconds(5)

    init(_ node: ConfigNode) throws(ParseError) {
        let keys = try node.mapping(allowed: [
            "app", "access_log", "error_log", "format", "interval", "duration_buckets", "max_routes", "routes",
            "max_line_length", "start_at", "rotate_wait",
        ])
        guard let appNode = keys["app"] else { throw node.error("a gunicorn entry needs an app name") }
        app = try appNode.text()
        // The name is a label value and part of a file name in the data directory.
        guard !app.isEmpty, app.utf8.count <= 64,
            app.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0)) }),
            app != ".", app != ".."
        else { throw appNode.error("an app name is 1 to 64 letters, digits, '_', '-' or '.'") }
        accessLog = try keys["access_log"]?.text()
        errorLog = try keys["error_log"]?.text()
        if let value = keys["format"] {
            format = try value.text()
            var position = value.node.position
            if case .scalar(_, quoted: true) = value.node.kind { position.column += 1 }
            formatPosition = position
        }
        if let value = keys["interval"] { interval = try value.duration(in: intervalRange) }
        if let value = keys["duration_buckets"] {
            let items = try value.list()
            var bounds: [Double] = []
            for item in items {
                let bound = try item.double()
                guard bound > 0 else { throw item.error("a bucket bound must be above 0 seconds") }
                guard bounds.last.map({ bound > $0 }) ?? true else { throw item.error("bucket bounds must be in ascending order") }
                bounds.append(bound)
            }
            guard !bounds.isEmpty, bounds.count <= 40 else { throw value.error("expected 1 to 40 bucket bounds (seconds)") }
            durationBuckets = bounds
        }
        if let value = keys["max_routes"] { maxRoutes = try value.int(in: 1...10_000) }
        if let value = keys["routes"] {
            routes = try value.list().map { (item) throws(ParseError) in
                let entry = try item.mapping(allowed: ["pattern", "route"])
                guard let pattern = entry["pattern"], let route = entry["route"] else { throw item.error("a route needs pattern and route") }
                let patternText = try pattern.text()
                guard patternText.hasPrefix("/") else { throw pattern.error("a route pattern starts with '/' (e.g. /api/*/users/*)") }
                let routeText = try route.text()
                guard !routeText.isEmpty else { throw route.error("expected a route label value") }
                return RoutePattern(pattern: patternText, route: routeText)
            }
        }
        if let value = keys["max_line_length"] { maxLineBytes = try value.bytes(in: 256...(16 << 20)) }
        if let value = keys["start_at"] {
            let text = try value.text()
            guard let start = StartAt(rawValue: text) else { throw value.error("expected beginning or end, found \"\(text)\"") }
            startAt = start
        }
        if let value = keys["rotate_wait"] { rotateWait = try value.duration(in: .zero...(.seconds(600))) }
        guard accessLog != nil || errorLog != nil else { throw node.error("gunicorn app \"\(app)\" needs access_log or error_log") }
    }
}
