import SondeCore

/// Query results as Prometheus' HTTP API writes them: the `data` object of `/api/v1/query` and
/// `/api/v1/query_range` (`{"resultType":"vector","result":[…]}`), with timestamps in Unix seconds
/// and values as strings (`"1.5"`, `"NaN"`, `"+Inf"`). `sonde query --format json` prints it, and the
/// HTTP API serves it inside its `{"status":"success","data":…}` envelope.
public enum PrometheusJSON {
    /// One series of a range result: its labels and its points, in time order.
    public typealias Series = (labels: Labels, timestamps: [Int64], values: [Double])

    /// The `data` object of a range query: a matrix, series in the order given.
    public static func matrix(_ series: [Series]) -> String {
        var out = "{\"resultType\":\"matrix\",\"result\":["
        for (index, row) in series.enumerated() {
            if index > 0 { out += "," }
            out += "{\"metric\":" + labels(row.labels) + ",\"values\":["
            for position in row.timestamps.indices {
                if position > 0 { out += "," }
                out += point(row.timestamps[position], row.values[position])
            }
            out += "]}"
        }
        return out + "]}"
    }

    /// The `data` object of an instant query evaluated at `time` (ms since the epoch); a vector's
    /// samples sorted by their labels.
    public static func instant(_ value: PromQLValue, at time: Int64) -> String {
        let stamp = TimestampFormat.unixSeconds(milliseconds: time)
        switch value {
        case .scalar(let number): return "{\"resultType\":\"scalar\",\"result\":\(point(time, number))}"
        case .string(let text): return "{\"resultType\":\"string\",\"result\":[\(stamp),\(string(text))]}"
        case .matrix(let series): return matrix(series.map { ($0.labels, $0.timestamps, $0.values) })
        case .vector(let samples):
            var out = "{\"resultType\":\"vector\",\"result\":["
            for (index, sample) in samples.sorted(by: { $0.labels.description < $1.labels.description }).enumerated() {
                if index > 0 { out += "," }
                out += "{\"metric\":" + labels(sample.labels) + ",\"value\":" + point(time, sample.value) + "}"
            }
            return out + "]}"
        }
    }

    /// `[1700000000.5,"42"]`
    public static func point(_ timestamp: Int64, _ value: Double) -> String {
        "[" + TimestampFormat.unixSeconds(milliseconds: timestamp) + "," + string(ValueFormat.string(value)) + "]"
    }

    /// `{"__name__":"up","job":"api"}`
    public static func labels(_ labels: Labels) -> String {
        "{" + labels.pairs.map { string($0.name) + ":" + string($0.value) }.joined(separator: ",") + "}"
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped, everything else
    /// as it is (UTF-8).
    public static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += "\\u" + Hex.padded(scalar.value, width: 4)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
