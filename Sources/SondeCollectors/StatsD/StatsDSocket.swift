#if canImport(Glibc)
import Glibc
#endif
import SondeCore

/// A bound, non-blocking datagram socket of the StatsD listener (UDP or Unix), with what the
/// collector reports about it.
struct StatsDSocket: Sendable {
    var descriptor: Int32
    /// `udp 127.0.0.1:8125` or `unix /run/sonde/statsd.sock`, for messages.
    var description: String
    /// The bound UDP port (the real one when 0 was asked for); nil for Unix sockets.
    var port: Int?
    /// The socket's inode, to find its row in /proc/net/udp.
    var inode: UInt64
    /// SO_RCVBUF as the kernel reports it (twice what was granted: it counts its bookkeeping).
    var receiveBufferBytes: Int
    /// A Unix socket's path, unlinked on close.
    var unixPath: String?

    func close() {
        _ = LibC.close(descriptor)
        if let unixPath { _ = unlink(unixPath) }
    }

    // MARK: Binding

    /// Splits `host:port`, `[v6]:port` or `:port` (all interfaces).
    static func splitAddress(_ address: String) throws(SondeError) -> (host: String?, port: String) {
        let bad = SondeError(.invalidArgument, "statsd: invalid UDP address '\(address)' (expected host:port or [v6]:port)")
        var host: Substring
        var port: Substring
        if address.hasPrefix("[") {
            guard let close = address.firstIndex(of: "]") else { throw bad }
            host = address[address.index(after: address.startIndex)..<close]
            let rest = address[address.index(after: close)...]
            guard rest.hasPrefix(":") else { throw bad }
            port = rest.dropFirst()
        } else {
            guard let colon = address.lastIndex(of: ":") else { throw bad }
            host = address[..<colon]
            port = address[address.index(after: colon)...]
            if host.contains(":") { throw bad }  // a bare IPv6 literal needs brackets
        }
        guard let number = Int(port), (0...65_535).contains(number), !host.contains(" ") else { throw bad }
        return (host.isEmpty ? nil : String(host), String(number))
    }

    static func bindUDP(_ address: String, receiveBufferBytes: Int) throws(SondeError) -> StatsDSocket {
        let (host, port) = try splitAddress(address)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, port, &hints, &list)
        guard status == 0, let info = list else {
            let reason = status == 0 ? "no address" : String(cString: gai_strerror(status))
            throw SondeError(.invalidArgument, "statsd: cannot resolve UDP address '\(address)': \(reason)")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw error("cannot create a UDP socket for", address) }
        let granted = setReceiveBuffer(fd, receiveBufferBytes)
        guard LibC.bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let failure = error("cannot bind UDP", address)
            _ = LibC.close(fd)
            throw failure
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        var boundPort: Int?
        withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                if getsockname(fd, raw, &length) == 0 {
                    switch Int32(pointer.pointee.ss_family) {
                    case AF_INET:
                        pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { boundPort = Int(UInt16(bigEndian: $0.pointee.sin_port)) }
                    case AF_INET6:
                        pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { boundPort = Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
                    default: break
                    }
                }
            }
        }
        return StatsDSocket(
            descriptor: fd, description: "udp \(address)", port: boundPort, inode: inode(fd),
            receiveBufferBytes: granted, unixPath: nil)
    }

    static func bindUnix(_ path: String, receiveBufferBytes: Int) throws(SondeError) -> StatsDSocket {
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !path.isEmpty, path.utf8.count < capacity, !path.utf8.contains(0) else {
            throw SondeError(.invalidArgument, "statsd: invalid Unix socket path '\(path)' (at most \(capacity - 1) bytes)")
        }
        // A socket left behind by a previous run is replaced; anything else at the path is not.
        var info = stat()
        if lstat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFSOCK else {
                throw SondeError(.invalidArgument, "statsd: cannot bind Unix socket \(path): the path exists and is not a socket")
            }
            _ = unlink(path)
        }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
            buffer[path.utf8.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw error("cannot create a Unix socket for", path) }
        let granted = setReceiveBuffer(fd, receiveBufferBytes)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { LibC.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let failure = error("cannot bind Unix socket", path)
            _ = LibC.close(fd)
            throw failure
        }
        return StatsDSocket(
            descriptor: fd, description: "unix \(path)", port: nil, inode: inode(fd),
            receiveBufferBytes: granted, unixPath: path)
    }

    /// Asks for `bytes` of receive buffer: SO_RCVBUFFORCE first (allowed with CAP_NET_ADMIN, it
    /// ignores net.core.rmem_max), then SO_RCVBUF, which the kernel caps at net.core.rmem_max.
    /// Returns what the kernel reports.
    private static func setReceiveBuffer(_ fd: Int32, _ bytes: Int) -> Int {
        var requested = Int32(clamping: bytes)
        let size = socklen_t(MemoryLayout<Int32>.size)
        if bytes > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &requested, size) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &requested, size)
        }
        var granted: Int32 = 0
        var length = size
        _ = getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &length)
        return Int(granted)
    }

    private static func inode(_ fd: Int32) -> UInt64 {
        var info = stat()
        return fstat(fd, &info) == 0 ? UInt64(info.st_ino) : 0
    }

    private static func error(_ what: String, _ address: String) -> SondeError {
        let code = errno
        return SondeError(.io, "statsd: \(what) \(address): \(String(cString: strerror(code))) (errno \(code))")
    }
}

/// The receive loop, on a dedicated thread so that it never holds one of the (few) threads of
/// Swift's cooperative pool: `poll` on the sockets and a wake-up pipe, then drain each readable
/// socket with non-blocking `recv`. Writing a byte to the pipe stops it.
enum StatsDReceiveLoop {
    /// The largest UDP payload; longer Unix datagrams are reported as truncated.
    static let bufferBytes = 65_536

    /// Runs until `wakeDescriptor` is readable; returns nil on a normal stop, the error otherwise.
    static func run(
        sockets: [StatsDSocket], wakeDescriptor: Int32, handle: (UnsafeRawBufferPointer, _ truncated: Bool) -> Void
    ) -> SondeError? {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferBytes, alignment: 16)
        defer { buffer.deallocate() }
        var descriptors = [pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)]
        for socket in sockets { descriptors.append(pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0)) }
        let flags = Int32(MSG_DONTWAIT) | Int32(MSG_TRUNC)
        while true {
            let ready = poll(&descriptors, nfds_t(descriptors.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return SondeError(.io, "statsd: poll failed: \(String(cString: strerror(errno)))")
            }
            if descriptors[0].revents != 0 { return nil }
            for index in 1..<descriptors.count where descriptors[index].revents != 0 {
                // Bounded, so that one busy socket cannot starve the other or the stop request.
                var received = 0
                while received < 4096 {
                    let count = recv(descriptors[index].fd, buffer.baseAddress, buffer.count, flags)
                    if count < 0 {
                        if errno == EINTR { continue }
                        break  // EAGAIN: drained (other errors of an unconnected socket are transient)
                    }
                    received += 1
                    let truncated = count > buffer.count
                    handle(UnsafeRawBufferPointer(rebasing: buffer[0..<min(count, buffer.count)]), truncated)
                }
            }
        }
    }
}

/// Starts `body` on a new detached thread.
func startDetachedThread(_ body: @escaping @Sendable () -> Void) throws(SondeError) {
    final class Box { let body: @Sendable () -> Void; init(_ body: @escaping @Sendable () -> Void) { self.body = body } }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let status = pthread_create(
        &thread, nil,
        { argument in
            guard let argument else { return nil }
            let box = Unmanaged<Box>.fromOpaque(argument).takeRetainedValue()
            box.body()
            return nil
        }, box)
    guard status == 0 else {
        Unmanaged<Box>.fromOpaque(box).release()
        throw SondeError(.io, "statsd: cannot start the receive thread: \(String(cString: strerror(status)))")
    }
    pthread_detach(thread)
}
