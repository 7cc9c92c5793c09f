import SondeCore

/// The form of timestamp AWS accepts in requests. The ones it sends (`2024-02-15T12:00:00Z`,
/// `2024-02-15T12:00:00.123Z`, `2024-02-15T12:00:00+00:00`) are read by SondeCore's `RFC3339`.
public enum AWSTimestamp {
    /// `2024-02-15T12:00:00Z` (whole seconds, UTC): what request parameters such as `StartTime` take.
    public static func format(milliseconds: Int64) -> String {
        let text = TimestampFormat.rfc3339(milliseconds: milliseconds)
        // `…T12:00:00.000Z` → `…T12:00:00Z`
        guard let dot = text.lastIndex(of: ".") else { return text }
        return String(text[..<dot]) + "Z"
    }
}
