import Foundation
import Synchronization
import PandaCore
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
import PandaSystem
#endif

/// A real `panda server` on a free loopback port with its own SQLite file,
/// driven over real HTTP, as a user's clients would.
final class ServerProcess: @unchecked Sendable {
    let directory: String
    let port: Int
    let configPath: String
    private(set) var process: ChildProcess?
    let environment: [String: String]

    static let queues = """
        sites:
          SITE:
            storage:
              DISK: { url: /tmp/panda-test-storage }
            queues:
              Q1: { read_from: [DISK], write_to: DISK, copytools: [cp], corecount: 4, maxrss: 8GB, heartbeat: 1s }
              Q2: { read_from: [DISK], write_to: DISK, copytools: [cp], corecount: 1, maxrss: 2GB, heartbeat: 1s }
        """

    /// `server` is YAML for keys of the server section beyond listen, database and key;
    /// `database` is server.database (`ServerProcess.postgresDatabase()` for a fresh PostgreSQL one).
    init(server: String = "", queues: String = ServerProcess.queues, environment: [String: String] = [:], start: Bool = true,
         database: String = "sqlite:state/panda.db") throws {
        directory = NSTemporaryDirectory() + "panda-server-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = try Self.freePort()
        configPath = directory + "/panda.yaml"
        let indented = server.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        try """
            server:
              listen: 127.0.0.1:\(port)
              database: \(database)
              signing_key: state/signing.key
            \(indented)
            \(queues)
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        self.environment = environment
        if start { try self.start() }
    }

    var databasePath: String { directory + "/state/panda.db" }

    /// A fresh database on the test process's PostgreSQL (`PostgresTestServer`), as server.database.
    static func postgresDatabase() throws -> String {
        let server = try PostgresTestServer.shared()
        return server.url(database: try server.createDatabase())
    }
    var logPath: String { directory + "/server.log" }

    /// `softFileLimit` starts the server with that soft RLIMIT_NOFILE, as
    /// systemd's 1024 would.
    func start(scheme: String = "http", caFile: String? = nil, softFileLimit: Int? = nil) throws {
        var env = ["PATH": "/usr/bin:/bin"]
        env.merge(environment) { $1 }
        let listened = log_().components(separatedBy: "listening on").count
        let process = try softFileLimit.map {
            try ChildProcess.spawn("/bin/sh", ["-c", "ulimit -Sn \($0) && exec \"$@\"", "sh", PandaProcess.binary, "server", "-c", configPath],
                                   environment: env, stdout: logPath)
        } ?? ChildProcess.spawn(PandaProcess.binary, ["server", "-c", configPath], environment: env, stdout: logPath)
        self.process = process
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if !process.isRunning { throw ServerProcessError("server exited at start: \(log_())") }
            if scheme == "https", let caFile {
                // URLSession cannot be told to trust one certificate here; curl can.
                let probe = try PandaProcess.runTool("/usr/bin/curl", ["-sf", "--cacert", caFile, "https://127.0.0.1:\(port)/healthz"])
                if probe.status == 0 { return }
            } else if let (status, _) = try? syncGet("/healthz"), status == 200,
                      log_().components(separatedBy: "listening on").count > listened {
                // Ours: another test's server on a reused port answers
                // /healthz too, but only this process logs that it listens.
                return
            }
            usleep(50_000)
        }
        throw ServerProcessError("server did not become healthy: \(log_())")
    }

    /// SIGKILL: no chance to flush anything.
    func kill9() {
        guard let process else { return }
        process.kill9()
        self.process = nil
    }

    /// SIGTERM, and the exit status.
    @discardableResult
    func terminate() -> Int32 {
        guard let process else { return -1 }
        let status = process.terminate()
        self.process = nil
        return status
    }

    func cleanUp() {
        if process != nil { kill9() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func log_() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// A token minted with `panda token issue`, as an operator would.
    func token(_ user: String, scope: String, queues: [String] = [], lifetime: String = "1d") throws -> String {
        var arguments = ["token", "issue", "-c", configPath, "--user", user, "--scope", scope, "--lifetime", lifetime]
        for queue in queues { arguments += ["--queue", queue] }
        let result = try PandaProcess.run(arguments)
        guard result.status == 0 else { throw ServerProcessError("token issue failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: HTTP

    struct Reply {
        let status: Int
        let body: Data
        let headers: [String: String]

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var success: Bool { json["success"] as? Bool ?? false }
        var message: String { json["message"] as? String ?? "" }
        var data: Any? { json["data"] }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONDecoder().decode(DataField<T>.self, from: body).data
        }
    }

    func post(_ path: String, token: String?, json: Any) async throws -> Reply {
        try await send("POST", path, token: token, body: try JSONSerialization.data(withJSONObject: json))
    }

    func post<T: Encodable>(_ path: String, token: String?, _ value: T) async throws -> Reply {
        try await send("POST", path, token: token, body: try JSONEncoder().encode(value))
    }

    /// A pilot's acquire of one job from `queue`: the job handed out, if any.
    func acquire(token: String, queue: String = "Q1") async throws -> DispatchedJob? {
        try await post("/api/v1/pilot/acquire_jobs", token: token, json: acquireJSON(queue: queue)).decode(AcquireResult.self).jobs.first
    }

    /// One job submitted to Q1 by alice and handed to a pilot of Q1: the
    /// start of most tests of pilot reports.
    func dispatchedJob(maxAttempts: Int? = nil) async throws -> (user: String, pilot: String, job: DispatchedJob) {
        let user = try token("alice", scope: "submit")
        let pilot = try token("p", scope: "pilot", queues: ["Q1"])
        _ = try await post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON(queue: "Q1", maxAttempts: maxAttempts)]])
        guard let job = try await acquire(token: pilot) else { throw ServerProcessError("the submitted job was not dispatched") }
        return (user, pilot, job)
    }

    func get(_ path: String, token: String?) async throws -> Reply {
        try await send("GET", path, token: token, body: nil)
    }

    /// A POST with extra headers (an Idempotency-Key, say).
    func post(_ path: String, token: String?, json: Any, headers: [String: String]) async throws -> Reply {
        try await send("POST", path, token: token, body: try JSONSerialization.data(withJSONObject: json), headers: headers)
    }

    func send(_ method: String, _ path: String, token: String?, body: Data?, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        request.timeoutInterval = 30
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await Self.session.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers[String(describing: key).lowercased()] = String(describing: value) }
        return Reply(status: http.statusCode, body: data, headers: headers)
    }

    private func syncGet(_ path: String) throws -> (Int, Data) {
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Int, Data)?
        let task = Self.session.dataTask(with: URL(string: "http://127.0.0.1:\(port)\(path)")!) { data, response, _ in
            if let http = response as? HTTPURLResponse { result = (http.statusCode, data ?? Data()) }
            semaphore.signal()
        }
        task.resume()
        _ = semaphore.wait(timeout: .now() + 2)
        guard let result else { throw ServerProcessError("no answer") }
        return result
    }

    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 128
        return URLSession(configuration: configuration)
    }()

    /// A port no other test of this process was given: the kernel may hand
    /// the same free port to two bind(0)s in a row, and two servers told to
    /// listen on one port would have a test talk to the other's.
    static func freePort() throws -> Int {
        for _ in 0..<100 {
            let port = try anyFreePort()
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw ServerProcessError("no free port not handed out already")
    }

    private static let handedOut = Mutex<Set<Int>>([])

    private static func anyFreePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(descriptor, pointer, length) == 0 else { return -1 }
                return getsockname(descriptor, pointer, &length)
            }
        }
        guard bound == 0 else { throw ServerProcessError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The `data` of an envelope.
struct DataField<T: Decodable>: Decodable {
    let data: T
}

struct ServerProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A job submission body with sensible defaults.
func jobJSON(_ name: String = "job", queue: String? = nil, priority: Int = 0, maxAttempts: Int? = nil, cores: Int = 1) -> [String: Any] {
    var job: [String: Any] = ["name": name, "priority": priority, "payload": ["executable": "/bin/true"],
                              "resources": ["cores": cores, "memory": "1GB", "walltime": "10m"]]
    if let queue { job["queue"] = queue }
    if let maxAttempts { job["max_attempts"] = maxAttempts }
    return job
}

/// What a pilot sends to ask for work.
func acquireJSON(queue: String = "Q1", n: Int = 1) -> [String: Any] {
    ["queue": queue, "node": "node-\(queue)", "cores": 8, "memory": "16GB", "disk": "100GB", "remaining": "24h", "n_jobs": n]
}
