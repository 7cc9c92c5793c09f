/// The error thrown when chunk bytes cannot be decoded: truncated, corrupted, of an unknown format
/// version, or describing more data than the format allows.
///
/// It carries only a message (what was wrong and where, e.g. "timestamp stream: overruns the chunk");
/// the caller adds context such as the series and the file. It deliberately does not carry the bytes.
public struct CodecError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
