import Foundation

/// A minimal HTTP/1.1 keep-alive client over one TCP socket: the benchmark
/// measures the server, so the client must cost as little as possible.
final class HTTPConnection {
    private let descriptor: Int32
    private var buffer = [UInt8]()

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchmarkError("cannot connect to 127.0.0.1:\(port)") }
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(descriptor) }

    /// Sends a POST and returns the status and body. With `key`, it carries
    /// an Idempotency-Key, as panda's own client sends with every POST.
    func post(_ path: String, token: String, body: [UInt8], key: String? = nil) throws -> (status: Int, body: [UInt8]) {
        let keyHeader = key.map { "Idempotency-Key: \($0)\r\n" } ?? ""
        var request = Array("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n\(keyHeader)Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8)
        request += body
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard n > 0 else { throw BenchmarkError("write failed") }
            sent += n
        }
        return try readResponse()
    }

    private func readResponse() throws -> (status: Int, body: [UInt8]) {
        while true {
            if let end = headerEnd() {
                let header = String(decoding: buffer[..<end], as: UTF8.self)
                let status = Int(header.split(separator: " ", maxSplits: 2)[1]) ?? 0
                let length = header.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                while buffer.count < end + 4 + length { try fill() }
                let body = Array(buffer[(end + 4)..<(end + 4 + length)])
                buffer.removeFirst(end + 4 + length)
                return (status, body)
            }
            try fill()
        }
    }

    private func headerEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4) where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index
        }
        return nil
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = read(descriptor, &chunk, chunk.count)
        guard n > 0 else { throw BenchmarkError("connection closed") }
        buffer += chunk[..<n]
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A key as PandaClient makes one (time in ms, hex, then 64 random bits).
func idempotencyKey() -> String {
    let milliseconds = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 16)
    return String(repeating: "0", count: max(0, 12 - milliseconds.count)) + milliseconds + "-"
        + String(UInt64.random(in: 0...UInt64.max), radix: 16)
}
