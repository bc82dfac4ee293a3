import Foundation

/// A plain TCP connection to a local port, for what URLSession will not do:
/// send half a request, stop, and see whether the server hangs up.
///
/// ```swift
/// let connection = try RawConnection(port: server.port)
/// try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")   // and never the blank line
/// #expect(connection.readUntilClosed(within: 20) == .closed(""))
/// ```
final class RawConnection {
    let descriptor: Int32

    /// `source` binds the local end to another loopback address (any of
    /// 127/8), so one test can be several clients; `buffers` shrinks the
    /// socket's kernel buffers, so a client that does not read backs up fast.
    init(port: Int, source: String? = nil, buffers: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ServerProcessError("socket: errno \(errno)") }
        if var size = buffers {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            setsockopt(descriptor, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                close(descriptor)
                throw ServerProcessError("bind \(source): errno \(errno)")
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            throw ServerProcessError("connect: errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw ServerProcessError("send: errno \(errno)") }
    }

    /// Sends without waiting: how many bytes the kernel took (0 when its
    /// buffers are full), or nil once the connection is gone.
    func sendWithoutWaiting(_ bytes: [UInt8]) -> Int? {
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        if sent >= 0 { return sent }
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : nil
    }

    /// Whether the server has closed (or reset) the connection, found out
    /// without reading anything from it: a client that never reads.
    func closedByPeer(within seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let peerClosedWriting: Int16 = 0x2000   // POLLRDHUP, which Glibc's module map leaves out (_GNU_SOURCE)
            var poller = pollfd(fd: descriptor, events: peerClosedWriting, revents: 0)
            let ready = poll(&poller, 1, 200)
            if ready > 0 && poller.revents & (peerClosedWriting | Int16(POLLHUP) | Int16(POLLERR)) != 0 { return true }
        }
        return false
    }

    enum Outcome: Equatable {
        /// The server closed the connection after sending this.
        case closed(String)
        /// Still open when the wait ran out, with what arrived so far.
        case open(String)
    }

    /// Reads until the server closes the connection or `seconds` pass.
    func readUntilClosed(within seconds: Double) -> Outcome {
        var received = [UInt8]()
        let deadline = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(max(1, deadline.timeIntervalSinceNow * 1000)))
            if ready <= 0 { continue }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return .closed(String(decoding: received, as: UTF8.self)) }
            received += buffer[0..<count]
        }
        return .open(String(decoding: received, as: UTF8.self))
    }

    /// Reads one reply's worth: until the server closes or `seconds` pass
    /// without more bytes after some arrived.
    func readReply(within seconds: Double) -> String {
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let wait = received.isEmpty ? Int32(max(1, deadline.timeIntervalSinceNow * 1000)) : 200
            guard poll(&poller, 1, wait) > 0 else {
                if received.isEmpty { continue } else { break }
            }
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }
}
