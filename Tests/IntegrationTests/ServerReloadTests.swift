import Foundation
import PandaSystem
import TestSupport
import Testing

@Suite("panda server: SIGHUP reloads the queue catalogue")
struct ServerReloadTests {
    @Test("a reload adds a queue on a connection opened before it; a bad file is refused with its errors and the catalogue kept")
    func reload() throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let connection = try KeptAliveConnection(port: server.port)
        defer { connection.close() }
        let submitToQ3 = String(decoding: try JSONSerialization.data(withJSONObject: ["jobs": [jobJSON(queue: "Q3")]]), as: UTF8.self)

        let before = try connection.post("/api/v1/job/submit", token: user, body: submitToQ3)
        #expect(before.status == 400, "\(before.body)")
        #expect(before.body.contains("queue Q3 does not exist"))

        let original = try String(contentsOfFile: server.configPath, encoding: .utf8)
        let q2 = "      Q2: { read_from: [DISK], write_to: DISK, copytools: [cp], corecount: 1, maxrss: 2GB, heartbeat: 1s }"
        #expect(original.contains(q2))
        let withQ3 = original.replacingOccurrences(of: q2, with: q2 + "\n" + q2.replacingOccurrences(of: "Q2", with: "Q3"))
        try withQ3.write(toFile: server.configPath, atomically: true, encoding: .utf8)
        server.process?.signal(SIGHUP)
        waitForLine("catalogue reloaded: 3 queue(s); added Q3", in: server.logPath)
        #expect(server.log_().contains("catalogue reloaded: 3 queue(s); added Q3; removed none; changed none"), "\(server.log_())")

        let after = try connection.post("/api/v1/job/submit", token: user, body: submitToQ3)
        #expect(after.status == 200, "the same connection, kept open across the reload, sees Q3: \(after.body)")
        #expect(connection.requestsAnswered == 2)

        // A typo: refused, its FILE:LINE:COLUMN in the log, Q3 still served.
        try withQ3.replacingOccurrences(of: "Q3: { read_from: [DISK], write_to: DISK", with: "Q3: { read_from: [DISK], write_to: NOWHERE")
            .write(toFile: server.configPath, atomically: true, encoding: .utf8)
        server.process?.signal(SIGHUP)
        waitForLine("reload refused", in: server.logPath)
        let log = server.log_()
        #expect(log.contains("reload refused: \(server.configPath) has 1 error(s); the running catalogue is kept"), "\(log)")
        #expect(log.contains("\(server.configPath):"), "the error names the file")
        #expect(log.contains("NOWHERE"), "\(log)")
        let kept = try connection.post("/api/v1/job/submit", token: user, body: submitToQ3)
        #expect(kept.status == 200, "\(kept.body)")
        #expect(server.process?.isRunning == true)
    }
}

/// One HTTP/1.1 connection kept open across requests, so a test can show the
/// server did not drop it.
final class KeptAliveConnection {
    private let socket: Int32
    private var buffered = Data()
    private(set) var requestsAnswered = 0

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ChildProcessError("connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func close() { Glibc.close(socket) }

    /// Sends one request and reads its whole answer (Content-Length framed).
    func post(_ path: String, token: String, body: String) throws -> (status: Int, body: String) {
        let request = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let bytes = Array(request.utf8)
        guard bytes.withUnsafeBytes({ send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count else {
            throw ChildProcessError("the connection was closed before the request: \(String(cString: strerror(errno)))")
        }
        let separator = Data("\r\n\r\n".utf8)
        while buffered.range(of: separator) == nil { try fill() }
        let headEnd = buffered.range(of: separator)!
        let head = String(decoding: buffered[..<headEnd.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        let length = lines.compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "content-length" ? Int(parts[1].trimmingCharacters(in: .whitespaces)) : nil
        }.first ?? 0
        while buffered.count < headEnd.upperBound + length { try fill() }
        let answer = String(decoding: buffered[headEnd.upperBound..<(headEnd.upperBound + length)], as: UTF8.self)
        buffered = Data(buffered[(headEnd.upperBound + length)...])
        requestsAnswered += 1
        return (status, answer)
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw ChildProcessError("the server closed the connection (\(count)): \(String(cString: strerror(errno)))") }
        buffered.append(contentsOf: chunk[..<count])
    }
}
