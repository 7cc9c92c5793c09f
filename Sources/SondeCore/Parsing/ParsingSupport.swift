// Small helpers shared by the parsers in this folder. Internal on purpose: the public surface is the
// parsers themselves.

extension ParseError {
    /// A single-line input error: `offset` is a 0-based byte offset, reported 1-based.
    static func atOffset(_ offset: Int, _ message: String) -> ParseError {
        ParseError(line: 1, column: offset + 1, message: message)
    }
}

/// Helpers for parse error messages about raw bytes, shared by sonde's parsers.
public enum ByteText {
    /// Quoted for an error message: `"x"`; bytes that would garble a terminal are shown as hex, and
    /// text beyond 64 bytes is cut with `…`.
    public static func quote(_ bytes: some Collection<UInt8>) -> String {
        var out = "\""
        var plain: [UInt8] = []
        func flush() {
            if !plain.isEmpty {
                out += String(decoding: plain, as: UTF8.self)
                plain.removeAll(keepingCapacity: true)
            }
        }
        for byte in bytes.prefix(64) {
            switch byte {
            case UInt8(ascii: "\""): flush(); out += "\\\""
            case UInt8(ascii: "\\"): flush(); out += "\\\\"
            case 0x20..<0x7f, 0x80...: plain.append(byte)
            default: flush(); out += "\\x" + Hex.encode([byte], uppercase: true)
            }
        }
        flush()
        out += bytes.count > 64 ? "…\"" : "\""
        return out
    }

    /// `quote` of `base[start..<end]`.
    public static func quote(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> String {
        quote(UnsafeBufferPointer(start: base + start, count: end - start))
    }

    /// How to name the character at `offset` in "unexpected …" messages: `"x"`, `"é"`, `byte 0xFF`
    /// or `end of input`.
    public static func describe(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> String {
        guard offset < bytes.count else { return "end of input" }
        let byte = bytes[offset]
        if byte < 0x80 { return quote(CollectionOfOne(byte)) }
        // A UTF-8 sequence: show the whole character if it is well-formed, else the byte.
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
        if length > 1, offset + length <= bytes.count,
            let text = String(validating: bytes[offset..<offset + length], as: UTF8.self)
        {
            return quote(Array(text.utf8))
        }
        return "byte 0x" + Hex.encode([byte], uppercase: true)
    }

    /// `[0-9]`
    @inlinable @inline(__always)
    public static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
}

extension String {
    /// Runs `body` on the UTF-8 bytes of the string without copying when it is native, keeping
    /// `body`'s typed error: every byte-level parser's String entry point goes through it.
    public func withParsingBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var copy = self
        let result: Result<R, E> = copy.withUTF8 { buffer in
            do throws(E) {
                return .success(try body(UnsafeRawBufferPointer(buffer)))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
