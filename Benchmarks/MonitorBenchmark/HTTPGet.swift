import Foundation

/// A minimal HTTP/1.1 keep-alive client over one TCP socket, for GETs and
/// the few POSTs the benchmark makes: it measures the server, so the
/// client must cost as little as possible.
final class HTTPGet {
    private let port: Int
    private var descriptor: Int32 = -1
    private var buffer = [UInt8]()

    init(port: Int) throws {
        self.port = port
        try connectSocket()
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    private func connectSocket() throws {
        if descriptor >= 0 { close(descriptor) }
        buffer = []
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

    func get(_ path: String, token: String? = nil, accept: String? = nil) throws -> (status: Int, body: [UInt8]) {
        try send("GET", path, token: token, accept: accept, body: [])
    }

    func post(_ path: String, token: String, json: String) throws -> (status: Int, body: [UInt8]) {
        try send("POST", path, token: token, accept: nil, body: Array(json.utf8))
    }

    /// One request; a connection the other side closed is reopened once.
    private func send(_ method: String, _ path: String, token: String?, accept: String?, body: [UInt8]) throws -> (status: Int, body: [UInt8]) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if let accept { head += "Accept: \(accept)\r\n" }
        if method == "POST" { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        let request = Array((head + "\r\n").utf8) + body
        do {
            try write(request)
            return try readResponse()
        } catch {
            try connectSocket()
            try write(request)
            return try readResponse()
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard n > 0 else { throw BenchmarkError("write failed") }
            sent += n
        }
    }

    private func readResponse() throws -> (status: Int, body: [UInt8]) {
        while true {
            if let end = headerEnd() {
                let header = String(decoding: buffer[..<end], as: UTF8.self)
                let status = Int(header.split(separator: " ", maxSplits: 2)[1]) ?? 0
                let lines = header.split(separator: "\r\n").map { $0.lowercased() }
                var body: [UInt8]
                if let length = lines.first(where: { $0.hasPrefix("content-length:") })
                    .flatMap({ Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }) {
                    while buffer.count < end + 4 + length { try fill() }
                    body = Array(buffer[(end + 4)..<(end + 4 + length)])
                    buffer.removeFirst(end + 4 + length)
                } else if lines.contains(where: { $0.hasPrefix("transfer-encoding:") && $0.contains("chunked") }) {
                    buffer.removeFirst(end + 4)
                    body = try readChunks()
                } else {
                    buffer.removeFirst(end + 4)
                    body = []
                }
                return (status, body)
            }
            try fill()
        }
    }

    private func readChunks() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try readLine()
            guard let size = Int(line.split(separator: ";")[0], radix: 16) else { throw BenchmarkError("bad chunk size \(line)") }
            if size == 0 { _ = try readLine(); return body }
            while buffer.count < size + 2 { try fill() }
            body += buffer[..<size]
            buffer.removeFirst(size + 2)
        }
    }

    private func readLine() throws -> String {
        while true {
            if buffer.count >= 2, let index = (0..<(buffer.count - 1)).first(where: { buffer[$0] == 13 && buffer[$0 + 1] == 10 }) {
                let line = String(decoding: buffer[..<index], as: UTF8.self)
                buffer.removeFirst(index + 2)
                return line
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
