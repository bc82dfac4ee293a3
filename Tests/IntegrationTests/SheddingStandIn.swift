import Foundation

/// A stand-in for a panda server that is shedding load: on a loopback
/// socket it answers the first `busyReplies` requests 429 with
/// `Retry-After`, then 200 with a fixed envelope. Plain sockets on one
/// thread, so nothing in it depends on a run loop.
final class SheddingStandIn: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var arrivals: [Date] = []

    init(busyReplies: Int, retryAfter: Int, body: String) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(listener, pointer, length) == 0, listen(listener, 16) == 0 else { return -1 }
                return getsockname(listener, pointer, &length)
            }
        }
        guard bound == 0 else { throw ServerProcessError("stand-in cannot listen") }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in
            var served = 0
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                var request = [UInt8]()
                var buffer = [UInt8](repeating: 0, count: 4096)
                while !request.suffix(4).elementsEqual(Array("\r\n\r\n".utf8)) {
                    let count = read(connection, &buffer, buffer.count)
                    guard count > 0 else { break }
                    request += buffer[0..<count]
                }
                lock.withLock { arrivals.append(Date()) }
                let reply = served < busyReplies
                    ? "HTTP/1.1 429 Too Many Requests\r\nRetry-After: \(retryAfter)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    : "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
                served += 1
                _ = reply.withCString { write(connection, $0, strlen($0)) }
                close(connection)
            }
        }
        thread.start()
    }

    var requestTimes: [Date] { lock.withLock { arrivals } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
