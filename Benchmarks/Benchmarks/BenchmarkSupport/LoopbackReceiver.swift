import Foundation
import Glibc
import Synchronization

/// A minimal HTTP/1.1 receiver on 127.0.0.1 for the delivery benchmarks: it answers every request
/// with 200 and `body` and counts them and their bytes, keeping connections open. Written with plain sockets so the figure is
/// sonde's side of the exchange, not a slow test server's.
public final class LoopbackReceiver: Sendable {
    public let port: Int
    public let received = Atomic<Int>(0)
    /// Request bodies received, in bytes.
    public let bodyBytes = Atomic<Int>(0)
    let response: [UInt8]
    private let listener: Int32

    public init(body: String = "ok") {
        response = Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        precondition(bound && listen(listener, 128) == 0, "cannot listen on 127.0.0.1")
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { return }
                Thread.detachNewThread { self.serve(connection) }
            }
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        let separator = Array("\r\n\r\n".utf8)
        while true {
            let count = read(connection, &buffer, buffer.count)
            if count <= 0 { return }
            pending += buffer[0..<count]
            // Answer every complete request in what has arrived.
            while let end = pending.firstRange(of: separator)?.upperBound {
                let head = String(decoding: pending[0..<end], as: UTF8.self).lowercased()
                let bodyLength = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                guard pending.count >= end + bodyLength else { break }
                pending.removeFirst(end + bodyLength)
                received.add(1, ordering: .relaxed)
                bodyBytes.add(bodyLength, ordering: .relaxed)
                _ = response.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
            }
        }
    }
}
