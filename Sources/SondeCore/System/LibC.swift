#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library calls whose names clash with methods of sonde's own types: inside a type with a
/// `close()` or `bind(…)` method, an unqualified `close(fd)` means the method. Such code calls
/// `LibC.close(fd)`; this is the one file that names the C library's module.
public enum LibC {
    @discardableResult
    public static func close(_ descriptor: Int32) -> Int32 {
        #if canImport(Glibc)
        Glibc.close(descriptor)
        #elseif canImport(Musl)
        Musl.close(descriptor)
        #else
        Darwin.close(descriptor)
        #endif
    }

    public static func open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
        #if canImport(Glibc)
        Glibc.open(path, flags, mode)
        #elseif canImport(Musl)
        Musl.open(path, flags, mode)
        #else
        Darwin.open(path, flags, mode)
        #endif
    }

    public static func bind(_ descriptor: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
        #if canImport(Glibc)
        Glibc.bind(descriptor, address, length)
        #elseif canImport(Musl)
        Musl.bind(descriptor, address, length)
        #else
        Darwin.bind(descriptor, address, length)
        #endif
    }
}
