import Foundation

/// A loopback proxy in front of a real server that loses answers: it
/// forwards every request, but for the first `lose` of them it closes the
/// client's connection instead of passing the server's reply on — what a
/// client sees when the network drops after the server committed.
final class AnswerLosingProxy: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var seenKeys: [String] = []
    private var seenRetryMarks: [Bool] = []

    init(to serverPort: Int, lose: Int) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(listener, pointer, length) == 0, listen(listener, 16) == 0 else { return -1 }
                return getsockname(listener, pointer, &length)
            }
        }
        guard bound == 0 else { throw ServerProcessError("proxy cannot listen") }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in
            var lost = 0
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                // One request per connection: the reply says Connection: close.
                guard let request = Self.readMessage(client) else { close(client); continue }
                if let key = Self.header("idempotency-key", in: request) {
                    let marked = Self.header("idempotency-retry", in: request) == "true"
                    lock.withLock { seenKeys.append(key); seenRetryMarks.append(marked) }
                }
                let upstream = Self.connect(port: serverPort)
                Self.writeAll(upstream, Self.closing(request))
                let reply = Self.readMessage(upstream)
                close(upstream)
                if lost < lose {
                    lost += 1
                } else if let reply {
                    Self.writeAll(client, Self.closing(reply))
                }
                close(client)
            }
        }
        thread.start()
    }

    /// The Idempotency-Key of every request that came through, in order.
    var keys: [String] { lock.withLock { seenKeys } }
    /// For each keyed request, whether it carried `Idempotency-Retry: true`.
    var retryMarks: [Bool] { lock.withLock { seenRetryMarks } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    private static func connect(port: Int) -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopback(port: port)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return descriptor
    }

    /// Headers and a Content-Length body (all panda sends and answers).
    private static func readMessage(_ descriptor: Int32) -> [UInt8]? {
        var message = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var headerEnd: Int?
        while true {
            if headerEnd == nil, let range = message.firstRange(of: Array("\r\n\r\n".utf8)) { headerEnd = range.upperBound }
            if let end = headerEnd {
                let head = String(decoding: message[..<end], as: UTF8.self)
                let length = header("content-length", in: Array(head.utf8)).flatMap(Int.init) ?? 0
                if message.count >= end + length { return message }
            }
            let count = read(descriptor, &buffer, buffer.count)
            guard count > 0 else { return message.isEmpty ? nil : message }
            message += buffer[0..<count]
        }
    }

    private static func header(_ name: String, in message: [UInt8]) -> String? {
        let head = String(decoding: message, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        for line in head.components(separatedBy: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// The message with `Connection: close`, so neither side waits for more.
    private static func closing(_ message: [UInt8]) -> [UInt8] {
        guard let range = message.firstRange(of: Array("\r\n".utf8)) else { return message }
        return Array(message[..<range.upperBound]) + Array("Connection: close\r\n".utf8) + Array(message[range.upperBound...])
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return }
            offset += written
        }
    }
}
