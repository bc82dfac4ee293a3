import Foundation
import PandaSystem
import Testing

/// The listener against clients that connect and never finish: every wait
/// is bounded by a configured timeout, and too many connections get a
/// polite refusal instead of a server that stops answering.
@Suite("panda server: listener timeouts and connection limit")
struct ServerListenerTests {
    /// Short timeouts, so a test waits seconds; the waits below are many
    /// times longer, so only a server that never closes fails them.
    static let quick = "connections: { header_timeout: 1s, body_timeout: 1s, idle_timeout: 1s }"

    @Test("a server whose port is taken exits with an error instead of running on without a listener")
    func portTaken() throws {
        let first = try ServerProcess()
        defer { first.cleanUp() }
        let second = try ServerProcess(start: false)
        defer { second.cleanUp() }
        let config = try String(contentsOfFile: second.configPath, encoding: .utf8)
        try config.replacingOccurrences(of: "127.0.0.1:\(second.port)", with: "127.0.0.1:\(first.port)")
            .write(toFile: second.configPath, atomically: true, encoding: .utf8)
        let process = try ChildProcess.spawn(PandaProcess.binary, ["server", "-c", second.configPath],
                                             environment: ["PATH": "/usr/bin:/bin"], stdout: second.logPath)
        // Its services used to spin once the group cancelled them (a sleep
        // under try? returns at once), so the process never ended.
        let status = process.wait(timeout: 60)
        if status == nil { process.kill9() }
        #expect(status != nil && status != 0, "still running or exited 0: \(second.log_().suffix(2000))")
        #expect(second.log_().split(separator: "\n").count < 50, "it logged in a loop: \(second.log_().suffix(2000))")
        #expect(first.process?.isRunning == true)
    }

    @Test("a taken port is reported with the address and the setting, by the server and by the monitor")
    func portTakenNamed() throws {
        let first = try ServerProcess()
        defer { first.cleanUp() }
        let second = try ServerProcess(queues: ServerProcess.queues + "\nmonitor: { listen: 127.0.0.1:\(first.port) }", start: false)
        defer { second.cleanUp() }
        let config = try String(contentsOfFile: second.configPath, encoding: .utf8)
        try config.replacingOccurrences(of: "listen: 127.0.0.1:\(second.port)", with: "listen: 127.0.0.1:\(first.port)")
            .write(toFile: second.configPath, atomically: true, encoding: .utf8)
        /// The role's exit status and standard error; a role that never exits fails the test instead of hanging it.
        func run(_ arguments: [String]) throws -> (status: Int32?, stderr: String) {
            let errors = second.directory + "/stderr-\(arguments[0])"
            let process = try ChildProcess.spawn(PandaProcess.binary, arguments, environment: ["PATH": "/usr/bin:/bin"], stderr: errors)
            let status = process.wait(timeout: 60)
            if status == nil { process.kill9() }
            return (status, (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "")
        }
        let server = try run(["server", "-c", second.configPath])
        #expect(server.status == 1)
        #expect(server.stderr.contains("cannot listen on 127.0.0.1:\(first.port) (server.listen): the address is already in use"), "\(server.stderr)")
        #expect(!server.stderr.contains("bind(descriptor"), "\(server.stderr)")

        let credential = second.directory + "/monitor.token"
        try first.token("monitor", scope: "read").write(toFile: credential, atomically: true, encoding: .utf8)
        chmod(credential, 0o600)
        let monitor = try run(["monitor", "-c", second.configPath, "--server", "http://127.0.0.1:\(first.port)",
                                            "--credential", credential])
        #expect(monitor.status == 1)
        #expect(monitor.stderr.contains("cannot listen on 127.0.0.1:\(first.port) (monitor.listen): the address is already in use"), "\(monitor.stderr)")
    }

    @Test("a request head that stops midway is closed after the header timeout")
    func halfSentHead() throws {
        let server = try ServerProcess(server: Self.quick)
        defer { server.cleanUp() }
        let connection = try RawConnection(port: server.port)
        try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        #expect(connection.readUntilClosed(within: 20) == .closed(""))
        let silent = try RawConnection(port: server.port)
        #expect(silent.readUntilClosed(within: 20) == .closed(""), "a connection that never sends a byte is closed too")
    }

    @Test("a body that stops midway, or a chunk size no client could send, is closed after the body timeout")
    func stalledBody() throws {
        let server = try ServerProcess(server: Self.quick)
        defer { server.cleanUp() }
        let token = try server.token("alice", scope: "submit")
        let head = "POST /api/v1/job/submit HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\n"
        let short = try RawConnection(port: server.port)
        try short.send(head + "Content-Length: 1000\r\n\r\n{\"jobs\": [")
        #expect(short.readUntilClosed(within: 20) == .closed(""))
        let chunked = try RawConnection(port: server.port)
        try chunked.send(head + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFF\r\n{\"jobs\"")
        #expect(chunked.readUntilClosed(within: 20) == .closed(""))
    }

    @Test("a kept-alive connection that sends nothing more is closed after the idle timeout")
    func idleKeepAlive() throws {
        let server = try ServerProcess(server: Self.quick)
        defer { server.cleanUp() }
        let connection = try RawConnection(port: server.port)
        try connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        guard case .closed(let reply) = connection.readUntilClosed(within: 20) else {
            Issue.record("the idle connection was not closed")
            return
        }
        #expect(reply.hasPrefix("HTTP/1.1 200 OK"), "the request itself was answered first: \(reply)")
    }

    @Test("past server.connections.max a new connection gets 503 in the envelope, and the episode is logged once")
    func connectionLimit() throws {
        let server = try ServerProcess(server: "connections: { max: 4 }")
        defer { server.cleanUp() }
        let held = try (0..<4).map { _ in try RawConnection(port: server.port) }
        // The server counts a connection once it has accepted it; let it.
        try held[0].send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = held[0].readReply(within: 10)
        var refusals: [String] = []
        for _ in 0..<3 {
            let extra = try RawConnection(port: server.port)
            try? extra.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            guard case .closed(let reply) = extra.readUntilClosed(within: 20) else { continue }
            refusals.append(reply)
        }
        #expect(refusals.count == 3)
        for reply in refusals {
            #expect(reply.hasPrefix("HTTP/1.1 503 Service Unavailable"), "\(reply)")
            #expect(reply.contains(#""success":false"#))
            #expect(reply.contains("Retry-After: 5"))
        }
        let log = server.log_()
        #expect(log.components(separatedBy: "refusing new ones with 503").count == 2, "one line per episode: \(log)")
        withExtendedLifetime(held) {}
    }

    @Test("1,100 idle connections to a server started with a soft limit of 1024 files leave /healthz answering")
    func manyIdleConnections() async throws {
        let files = OpenFileLimit.raiseToHard()
        try #require(files > 1_300, "this test needs a hard RLIMIT_NOFILE above 1300; it is \(files)")
        let server = try ServerProcess(start: false)
        defer { server.cleanUp() }
        try server.start(softFileLimit: 1024)
        let limits = try String(contentsOfFile: "/proc/\(server.process!.pid)/limits", encoding: .utf8)
        let line = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }.map(String.init) ?? ""
        let fields = line.split(separator: " ").filter { !$0.isEmpty }
        #expect(fields.count >= 5 && fields[3] == fields[4], "the soft limit was raised to the hard one: \(line)")
        let idle = try (0..<1_100).map { _ in try RawConnection(port: server.port) }
        let probe = try RawConnection(port: server.port)
        try probe.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        guard case .closed(let reply) = probe.readUntilClosed(within: 30) else {
            Issue.record("/healthz did not answer with 1,100 idle connections open")
            return
        }
        #expect(reply.hasPrefix("HTTP/1.1 200 OK"), "\(reply)")
        withExtendedLifetime(idle) {}
    }

    @Test("TLS below 1.2 is refused by default, and below 1.3 with server.tls.min_version: 1.3")
    func tlsMinimum() throws {
        let directory = NSTemporaryDirectory() + "panda-tlsmin-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pair = try SelfSignedCertificate.make(in: directory)
        /// Whether a handshake at exactly this version succeeds; the client
        /// is told to allow old versions, so only the server can refuse.
        func handshake(_ port: Int, _ version: String) throws -> Bool {
            try PandaProcess.runTool("/usr/bin/openssl", [
                "s_client", "-connect", "127.0.0.1:\(port)", "-\(version)", "-cipher", "DEFAULT@SECLEVEL=0",
            ]).status == 0
        }
        let files = "cert: \(pair.cert), key: \(pair.key)"
        let standard = try ServerProcess(server: "tls: { \(files) }", start: false)
        defer { standard.cleanUp() }
        try standard.start(scheme: "https", caFile: pair.cert)
        #expect(try !handshake(standard.port, "tls1_1"))
        #expect(try handshake(standard.port, "tls1_2"))
        let strict = try ServerProcess(server: "tls: { \(files), min_version: \"1.3\" }", start: false)
        defer { strict.cleanUp() }
        try strict.start(scheme: "https", caFile: pair.cert)
        #expect(try !handshake(strict.port, "tls1_2"))
        #expect(try handshake(strict.port, "tls1_3"))
    }

    @Test("TLS 1.2 offers only forward-secret AEAD suites: no static RSA, no CBC")
    func tlsSuites() throws {
        let directory = NSTemporaryDirectory() + "panda-tlssuites-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pair = try SelfSignedCertificate.make(in: directory)
        let server = try ServerProcess(server: "tls: { cert: \(pair.cert), key: \(pair.key) }", start: false)
        defer { server.cleanUp() }
        try server.start(scheme: "https", caFile: pair.cert)
        /// Whether a TLS 1.2 handshake offering only this suite succeeds.
        func handshake(_ cipher: String) throws -> Bool {
            try PandaProcess.runTool("/usr/bin/openssl", [
                "s_client", "-connect", "127.0.0.1:\(server.port)", "-tls1_2", "-cipher", cipher + "@SECLEVEL=0",
            ]).status == 0
        }
        for refused in ["AES128-SHA", "AES256-SHA256", "AES128-GCM-SHA256", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA",
                        "ECDHE-RSA-AES256-SHA384", "DES-CBC3-SHA"] {
            #expect(try !handshake(refused), "\(refused) was accepted")
        }
        for accepted in ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"] {
            #expect(try handshake(accepted), "\(accepted) was refused")
        }
    }
}
