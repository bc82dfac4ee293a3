import Foundation

/// A minimal HTTP/1.1 keep-alive client over one TCP socket to 127.0.0.1,
/// for every benchmark: they measure the server, so the client must cost as
/// little as possible. Bodies by Content-Length or chunked; a connection the
/// server closed is opened again once.
///
/// ```swift
/// let http = try HTTPClient(port: server.port)
/// let reply = try http.post("/api/v1/job/submit", token: user, json: #"{"jobs":[...]}"#)
/// let page = try http.get("/jobs", accept: "application/json")
/// ```
public final class HTTPClient {
    public let port: Int
    private var descriptor: Int32 = -1
    private var buffer = [UInt8]()

    public init(port: Int) throws {
        self.port = port
        try connectSocket()
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    public func get(_ path: String, token: String? = nil, accept: String? = nil) throws -> (status: Int, body: [UInt8]) {
        try send("GET", path, token: token, accept: accept, key: nil, body: [])
    }

    /// A JSON POST. With `key`, it carries an Idempotency-Key, as panda's
    /// own client sends with every POST.
    public func post(_ path: String, token: String, body: [UInt8], key: String? = nil) throws -> (status: Int, body: [UInt8]) {
        try send("POST", path, token: token, accept: nil, key: key, body: body)
    }

    public func post(_ path: String, token: String, json: String, key: String? = nil) throws -> (status: Int, body: [UInt8]) {
        try post(path, token: token, body: Array(json.utf8), key: key)
    }

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

    private func send(_ method: String, _ path: String, token: String?, accept: String?, key: String?,
                      body: [UInt8]) throws -> (status: Int, body: [UInt8]) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if let accept { head += "Accept: \(accept)\r\n" }
        if let key { head += "Idempotency-Key: \(key)\r\n" }
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
            guard n > 0 else { throw BenchmarkError("write to 127.0.0.1:\(port) failed") }
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
        guard n > 0 else { throw BenchmarkError("connection to 127.0.0.1:\(port) closed") }
        buffer += chunk[..<n]
    }
}

/// A key as PandaClient makes one (time in ms, hex, then 64 random bits).
public func idempotencyKey() -> String {
    let milliseconds = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 16)
    return String(repeating: "0", count: max(0, 12 - milliseconds.count)) + milliseconds + "-"
        + String(UInt64.random(in: 0...UInt64.max), radix: 16)
}

extension Array where Element == UInt8 {
    /// The body as text, for error messages.
    public var text: String { String(decoding: self, as: UTF8.self) }
}
