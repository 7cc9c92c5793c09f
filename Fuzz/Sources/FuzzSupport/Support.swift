// Helpers shared by the harnesses.

/// Calls `body` with a copy of `bytes` in a heap allocation of exactly `bytes.count` bytes, so that
/// ASan reports any read past its end (reads of a slice of the fuzzer's buffer would land in
/// the neighbouring bytes unnoticed).
@inline(never)
public func withExactCopy<R>(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
    defer { copy.deallocate() }
    if bytes.count > 0 { copy.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
    return try body(UnsafeRawBufferPointer(copy))
}

/// An invariant of the code under test; a violation is a finding, reported like a crash.
@inline(never)
public func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
           file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("fuzz invariant violated: \(message())", file: file, line: line) }
}

/// Bitwise equality of value columns (NaN payloads and signed zeros included).
public func sameBits(_ a: [[Double]], _ b: [[Double]]) -> Bool {
    guard a.count == b.count else { return false }
    for (x, y) in zip(a, b) {
        guard x.count == y.count else { return false }
        for (u, v) in zip(x, y) where u.bitPattern != v.bitPattern { return false }
    }
    return true
}

/// The input as text, as a command-line argument or API parameter would arrive (invalid UTF-8 is
/// repaired with U+FFFD, as Swift's `String(decoding:)` and the argument parser do).
public func text(_ data: UnsafePointer<UInt8>, _ size: Int) -> String {
    String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
}

#if canImport(Glibc)
import Glibc
#endif

