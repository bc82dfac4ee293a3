import Foundation

/// A datagram socket standing where systemd's notify socket would, so the
/// messages libsystemd sends can be read back.
public final class NotifySocket: @unchecked Sendable {
    public let path: String
    let descriptor: Int32

    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("panda-notify-\(UUID().uuidString.prefix(8))").path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8.prefix(buffer.count - 1))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// The next datagram, or nil after two seconds.
    public func receive() -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
    }

    deinit {
        close(descriptor)
        unlink(path)
    }
}


extension NotifySocket {
    /// Every datagram that arrives within `seconds`, in order.
    public func receiveAll(for seconds: Double) -> [String] {
        receiveTimed(for: seconds).map(\.message)
    }

    /// Every datagram that arrives within `seconds`, with the seconds since the start.
    public func receiveTimed(for seconds: Double) -> [(message: String, at: Double)] {
        var messages: [(String, Double)] = []
        let start = Date()
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var descriptorSet = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(1, deadline.timeIntervalSinceNow * 1000))
            guard poll(&descriptorSet, 1, wait) > 0, let message = receive() else { continue }
            messages.append((message, Date().timeIntervalSince(start)))
        }
        return messages
    }
}
