import SondeCore
import SondeNet

/// The few CloudWatch calls sonde makes, over the query protocol (`Version=2010-08-01`, SigV4
/// service `monitoring`): `GetMetricData` and `ListMetrics`, following `NextToken` to the end, and
/// `PutMetricData` for single values (the shipper batches its own).
///
/// Responses are parsed by `CloudWatchXML`, which refuses malformed documents instead of guessing.
public struct CloudWatchClient: Sendable {
    public static let apiVersion = "2010-08-01"
    /// More pages than this means a server that keeps sending `NextToken`: the call fails.
    public static let maxPages = 100

    public let query: AWSQueryClient

    public init(query: AWSQueryClient) { self.query = query }

    /// A client for `endpoint` (`https://monitoring.REGION.amazonaws.com`) in `region`.
    public init(
        endpoint: String, region: String, credentials: any AWSCredentialsProvider, http: HTTPClient, retry: RetryPolicy = RetryPolicy(),
        timeout: Duration = .seconds(10)
    ) {
        query = AWSQueryClient(
            endpoint: endpoint, service: "monitoring", region: region, version: Self.apiVersion, credentials: credentials, http: http, retry: retry,
            timeout: timeout)
    }

    public struct Dimension: Sendable, Equatable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// A metric: what `ListMetrics` returns and a query names.
    public struct Metric: Sendable, Equatable, Hashable {
        public var namespace: String
        public var name: String
        public var dimensions: [Dimension]

        public init(namespace: String, name: String, dimensions: [Dimension] = []) {
            self.namespace = namespace
            self.name = name
            self.dimensions = dimensions
        }
    }

    /// One `MetricDataQueries` member of the `MetricStat` kind.
    public struct MetricStatQuery: Sendable, Equatable {
        /// Starts with a lower-case letter; letters, digits and `_`.
        public var id: String
        public var metric: Metric
        public var periodSeconds: Int
        /// `Maximum`, `Average`, `Sum`, `p99`…
        public var stat: String
        public var label: String?

        public init(id: String, metric: Metric, periodSeconds: Int, stat: String, label: String? = nil) {
            self.id = id
            self.metric = metric
            self.periodSeconds = periodSeconds
            self.stat = stat
            self.label = label
        }
    }

    /// Fetches the values of `queries` between `start` and `end` (milliseconds; AWS rounds to the
    /// period), every page. Points of each result are in ascending time order.
    public func getMetricData(_ queries: [MetricStatQuery], start: Int64, end: Int64) async throws(AWSError) -> [MetricDataResult] {
        var parameters: [(String, String)] = []
        for (offset, item) in queries.enumerated() {
            let prefix = "MetricDataQueries.member.\(offset + 1)."
            parameters.append((prefix + "Id", item.id))
            if let label = item.label { parameters.append((prefix + "Label", label)) }
            parameters.append((prefix + "MetricStat.Metric.Namespace", item.metric.namespace))
            parameters.append((prefix + "MetricStat.Metric.MetricName", item.metric.name))
            for (index, dimension) in item.metric.dimensions.enumerated() {
                parameters.append((prefix + "MetricStat.Metric.Dimensions.member.\(index + 1).Name", dimension.name))
                parameters.append((prefix + "MetricStat.Metric.Dimensions.member.\(index + 1).Value", dimension.value))
            }
            parameters.append((prefix + "MetricStat.Period", String(item.periodSeconds)))
            parameters.append((prefix + "MetricStat.Stat", item.stat))
            parameters.append((prefix + "ReturnData", "true"))
        }
        parameters.append(("StartTime", AWSTimestamp.format(milliseconds: start)))
        parameters.append(("EndTime", AWSTimestamp.format(milliseconds: end)))
        parameters.append(("ScanBy", "TimestampAscending"))

        var merged: [MetricDataResult] = []
        var token: String?
        for _ in 0..<Self.maxPages {
            let root = try await query.call("GetMetricData", parameters + (token.map { [("NextToken", $0)] } ?? []))
            let page: GetMetricDataPage
            do {
                page = try CloudWatchXML.getMetricData(root)
            } catch {
                throw AWSError(kind: .response, message: "GetMetricData at \(query.redactedEndpoint): \(error)")
            }
            for result in page.results {
                if let at = merged.firstIndex(where: { $0.id == result.id }) {
                    merged[at].points += result.points
                    merged[at].statusCode = result.statusCode
                } else {
                    merged.append(result)
                }
            }
            guard let next = page.nextToken, !next.isEmpty else {
                for index in merged.indices { merged[index].points.sort { $0.timestamp < $1.timestamp } }
                return merged
            }
            token = next
        }
        throw AWSError(kind: .response, message: "GetMetricData at \(query.redactedEndpoint): still a NextToken after \(Self.maxPages) pages")
    }

    /// Every metric matching the filter, every page. A dimension filter with an empty value matches
    /// any value of that dimension.
    public func listMetrics(namespace: String?, metricName: String?, dimensions: [Dimension] = []) async throws(AWSError) -> [Metric] {
        var parameters: [(String, String)] = []
        if let namespace { parameters.append(("Namespace", namespace)) }
        if let metricName { parameters.append(("MetricName", metricName)) }
        for (index, dimension) in dimensions.enumerated() {
            parameters.append(("Dimensions.member.\(index + 1).Name", dimension.name))
            if !dimension.value.isEmpty { parameters.append(("Dimensions.member.\(index + 1).Value", dimension.value)) }
        }
        var metrics: [Metric] = []
        var token: String?
        for _ in 0..<Self.maxPages {
            let root = try await query.call("ListMetrics", parameters + (token.map { [("NextToken", $0)] } ?? []))
            let page: (metrics: [Metric], nextToken: String?)
            do {
                page = try CloudWatchXML.listMetrics(root)
            } catch {
                throw AWSError(kind: .response, message: "ListMetrics at \(query.redactedEndpoint): \(error)")
            }
            metrics += page.metrics
            guard let next = page.nextToken, !next.isEmpty else { return metrics }
            token = next
        }
        throw AWSError(kind: .response, message: "ListMetrics at \(query.redactedEndpoint): still a NextToken after \(Self.maxPages) pages")
    }

    /// A period's statistics, as PutMetricData's `StatisticValues` takes them.
    public struct StatisticSet: Sendable, Equatable {
        public var sampleCount: Double
        public var sum: Double
        public var minimum: Double
        public var maximum: Double

        public init(sampleCount: Double, sum: Double, minimum: Double, maximum: Double) {
            self.sampleCount = sampleCount
            self.sum = sum
            self.minimum = minimum
            self.maximum = maximum
        }

        /// Both periods' samples together.
        public func merged(with other: StatisticSet) -> StatisticSet {
            StatisticSet(
                sampleCount: sampleCount + other.sampleCount, sum: sum + other.sum, minimum: Swift.min(minimum, other.minimum),
                maximum: Swift.max(maximum, other.maximum))
        }
    }

    /// One datum to put: a value, a period's statistics, or a period's distinct values with how
    /// many times each was seen (at most `maxValuesPerDatum`), from which CloudWatch computes percentiles.
    public struct Datum: Sendable, Equatable {
        public var metricName: String
        public var dimensions: [Dimension]
        public var timestamp: Int64
        public var value: Double?
        public var statistics: StatisticSet?
        public var values: [Double]?
        public var counts: [Double]?
        public var unit: String?
        /// 1 for high-resolution data, nil (60) otherwise.
        public var storageResolution: Int?

        public init(metricName: String, dimensions: [Dimension] = [], timestamp: Int64, value: Double, unit: String? = nil, storageResolution: Int? = nil) {
            self.metricName = metricName
            self.dimensions = dimensions
            self.timestamp = timestamp
            self.value = value
            self.unit = unit
            self.storageResolution = storageResolution
        }

        public init(metricName: String, dimensions: [Dimension] = [], timestamp: Int64, statistics: StatisticSet, unit: String? = nil, storageResolution: Int? = nil) {
            self.metricName = metricName
            self.dimensions = dimensions
            self.timestamp = timestamp
            self.statistics = statistics
            self.unit = unit
            self.storageResolution = storageResolution
        }

        public init(metricName: String, dimensions: [Dimension] = [], timestamp: Int64, values: [Double], counts: [Double], unit: String? = nil) {
            precondition(values.count == counts.count && values.count <= CloudWatchClient.maxValuesPerDatum)
            self.metricName = metricName
            self.dimensions = dimensions
            self.timestamp = timestamp
            self.values = values
            self.counts = counts
            self.unit = unit
        }
    }

    /// CloudWatch takes at most 150 distinct values in one datum's `Values`.
    public static let maxValuesPerDatum = 150

    /// CloudWatch's limits on one PutMetricData request.
    public static let maxDatumsPerRequest = 1_000
    public static let maxRequestBytes = 1_000_000

    /// One PutMetricData request with its form body encoded once: a sender sizes it against the
    /// 1 MB limit (`body.count`) and sends the same bytes.
    public struct PutMetricDataRequest: Sendable {
        public let namespace: String
        public let datums: [Datum]
        /// The uncompressed form body, which CloudWatch limits to `maxRequestBytes`.
        public let body: [UInt8]

        public init(namespace: String, _ datums: [Datum]) {
            self.namespace = namespace
            self.datums = datums
            body = Array(FormEncoding.queryBody(action: "PutMetricData", version: apiVersion, parameters: putMetricDataParameters(namespace: namespace, datums)).utf8)
        }
    }

    /// Puts up to 1,000 datums (at most 1 MB of form body) into `namespace` in one request, the
    /// body gzip-compressed when that makes it smaller (CloudWatch takes `Content-Encoding: gzip` on
    /// PutMetricData). Returns the bytes of the body as sent.
    @discardableResult
    public func putMetricData(_ request: PutMetricDataRequest, gzip: Bool = true) async throws(AWSError) -> Int {
        try await query.call("PutMetricData", body: request.body, gzip: gzip).bodyBytes
    }

    /// `putMetricData` of the request for these datums.
    @discardableResult
    public func putMetricData(namespace: String, _ data: [Datum], gzip: Bool = true) async throws(AWSError) -> Int {
        try await putMetricData(PutMetricDataRequest(namespace: namespace, data), gzip: gzip)
    }

    /// PutMetricData's form parameters (query protocol), numbers in the shortest form that reads back the same.
    public static func putMetricDataParameters(namespace: String, _ data: [Datum]) -> [(String, String)] {
        var parameters: [(String, String)] = [("Namespace", namespace)]
        for (offset, datum) in data.enumerated() {
            let prefix = "MetricData.member.\(offset + 1)."
            parameters.append((prefix + "MetricName", datum.metricName))
            for (index, dimension) in datum.dimensions.enumerated() {
                parameters.append((prefix + "Dimensions.member.\(index + 1).Name", dimension.name))
                parameters.append((prefix + "Dimensions.member.\(index + 1).Value", dimension.value))
            }
            parameters.append((prefix + "Timestamp", AWSTimestamp.format(milliseconds: datum.timestamp)))
            if let value = datum.value { parameters.append((prefix + "Value", "\(value)")) }
            if let statistics = datum.statistics {
                parameters.append((prefix + "StatisticValues.SampleCount", "\(statistics.sampleCount)"))
                parameters.append((prefix + "StatisticValues.Sum", "\(statistics.sum)"))
                parameters.append((prefix + "StatisticValues.Minimum", "\(statistics.minimum)"))
                parameters.append((prefix + "StatisticValues.Maximum", "\(statistics.maximum)"))
            }
            for (index, value) in (datum.values ?? []).enumerated() { parameters.append((prefix + "Values.member.\(index + 1)", "\(value)")) }
            for (index, count) in (datum.counts ?? []).enumerated() { parameters.append((prefix + "Counts.member.\(index + 1)", "\(count)")) }
            if let unit = datum.unit { parameters.append((prefix + "Unit", unit)) }
            if let resolution = datum.storageResolution { parameters.append((prefix + "StorageResolution", String(resolution))) }
        }
        return parameters
    }
}

/// One series of a `GetMetricData` answer.
public struct MetricDataResult: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        /// Milliseconds since the epoch.
        public var timestamp: Int64
        public var value: Double

        public init(timestamp: Int64, value: Double) {
            self.timestamp = timestamp
            self.value = value
        }
    }

    public var id: String
    public var label: String
    public var points: [Point]
    /// `Complete`, `PartialData` (more pages follow), `InternalError` or `Forbidden`.
    public var statusCode: String

    public init(id: String, label: String, points: [Point], statusCode: String) {
        self.id = id
        self.label = label
        self.points = points
        self.statusCode = statusCode
    }
}

/// One page of `GetMetricData`.
public struct GetMetricDataPage: Sendable, Equatable {
    public var results: [MetricDataResult]
    public var nextToken: String?
    /// Top-level `Messages` (`Code: Message`), e.g. a warning that a query was too large.
    public var messages: [String]
}

/// Readers of CloudWatch's XML answers. Pure: the fuzz harness (`Fuzz/Sources/cloudwatchxml`) and
/// the tests feed them bytes.
public enum CloudWatchXML {
    /// Why a well-formed document is not the expected answer.
    public struct ShapeError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Parses the bytes of a `GetMetricData` response.
    public static func getMetricData(_ bytes: [UInt8]) throws -> GetMetricDataPage {
        try getMetricData(try XMLReader.parse(bytes))
    }

    /// Reads `<GetMetricDataResponse><GetMetricDataResult>`: each `MetricDataResults` member's
    /// `Id`, `Label`, `Timestamps` and `Values` (as many of each, values finite), `StatusCode`;
    /// `NextToken`; `Messages`.
    public static func getMetricData(_ root: XMLElement) throws(ShapeError) -> GetMetricDataPage {
        guard root.name == "GetMetricDataResponse", let result = root.child("GetMetricDataResult") else {
            throw ShapeError(message: "expected <GetMetricDataResponse><GetMetricDataResult>, found <\(root.name)>")
        }
        var results: [MetricDataResult] = []
        for member in result.child("MetricDataResults")?.children("member") ?? [] {
            guard let id = member.child("Id")?.trimmedText, !id.isEmpty else { throw ShapeError(message: "a MetricDataResults member without Id") }
            let timestamps = member.child("Timestamps")?.children("member") ?? []
            let values = member.child("Values")?.children("member") ?? []
            guard timestamps.count == values.count else {
                throw ShapeError(message: "result \(id): \(timestamps.count) timestamps but \(values.count) values")
            }
            var points: [MetricDataResult.Point] = []
            points.reserveCapacity(values.count)
            for (timestamp, value) in zip(timestamps, values) {
                guard let milliseconds = RFC3339.milliseconds(timestamp.trimmedText) else {
                    throw ShapeError(message: "result \(id): unreadable timestamp \"\(timestamp.trimmedText.prefix(40))\"")
                }
                guard let number = Double(value.trimmedText), number.isFinite else {
                    throw ShapeError(message: "result \(id): unreadable value \"\(value.trimmedText.prefix(40))\"")
                }
                points.append(MetricDataResult.Point(timestamp: milliseconds, value: number))
            }
            results.append(MetricDataResult(
                id: id, label: member.child("Label")?.trimmedText ?? "", points: points, statusCode: member.child("StatusCode")?.trimmedText ?? ""))
        }
        let messages = (result.child("Messages")?.children("member") ?? []).map { member in
            "\(member.child("Code")?.trimmedText ?? ""): \(member.child("Value")?.trimmedText ?? "")"
        }
        let token = result.child("NextToken")?.trimmedText
        return GetMetricDataPage(results: results, nextToken: token?.isEmpty == false ? token : nil, messages: messages)
    }

    /// Reads `<ListMetricsResponse><ListMetricsResult><Metrics>` members and `NextToken`.
    public static func listMetrics(_ root: XMLElement) throws(ShapeError) -> (metrics: [CloudWatchClient.Metric], nextToken: String?) {
        guard root.name == "ListMetricsResponse", let result = root.child("ListMetricsResult") else {
            throw ShapeError(message: "expected <ListMetricsResponse><ListMetricsResult>, found <\(root.name)>")
        }
        var metrics: [CloudWatchClient.Metric] = []
        for member in result.child("Metrics")?.children("member") ?? [] {
            guard let namespace = member.child("Namespace")?.trimmedText, let name = member.child("MetricName")?.trimmedText else {
                throw ShapeError(message: "a Metrics member without Namespace or MetricName")
            }
            let dimensions = (member.child("Dimensions")?.children("member") ?? []).map { dimension in
                CloudWatchClient.Dimension(dimension.child("Name")?.trimmedText ?? "", dimension.child("Value")?.trimmedText ?? "")
            }
            metrics.append(CloudWatchClient.Metric(namespace: namespace, name: name, dimensions: dimensions))
        }
        let token = result.child("NextToken")?.trimmedText
        return (metrics, token?.isEmpty == false ? token : nil)
    }
}
