import Foundation
import PandaCore
import PandaSystem
import TestSupport

/// A server with jobs in every state a pilot and a user can bring about
/// (one with a hostile name, one with a log tarball), a factory's report,
/// and a `panda monitor` reading it: what the monitor's tests look at.
final class MonitorSetup: @unchecked Sendable {
    let server: ServerProcess
    let monitorPort: Int
    private(set) var monitor: ChildProcess?
    var finishedJob: Int64 = 0
    var failedJob: Int64 = 0
    static let stdoutLine = "the payload said: 42 events processed"
    static let hostileName = "<script>alert('x')</script>&\"quoted\""

    /// `monitor` adds lines to the monitor's section (indented as its keys).
    init(auth: String = "none", monitor extra: String = "") throws {
        monitorPort = try ServerProcess.freePort()
        server = try ServerProcess(server: "stats_interval: 200ms", queues: ServerProcess.queues + """

            monitor:
              listen: 127.0.0.1:\(monitorPort)
              auth: \(auth)
            \(extra.isEmpty ? "" : "  " + extra)
            """)
    }

    var url: String { "http://127.0.0.1:\(monitorPort)" }

    /// Jobs in Q1: activated, sent, starting, running, holding, finished (with
    /// a log), failed (1305, twice, on node-Q1), cancelled; one activated in Q2.
    func fill() async throws {
        let user = try server.token("alice", scope: "submit")
        let pilot = try server.token("p", scope: "pilot", queues: ["Q1"])
        let names = ["activated", "sent", "starting", "running", "holding", "finished", "failed", "failed2", "cancelled"]
        // The one left activated has the lowest priority, so the pilot takes the others first.
        var jobs = names.map { jobJSON($0, queue: "Q1", priority: $0 == "activated" ? -1 : 0, maxAttempts: 1) }
        jobs.append(jobJSON(Self.hostileName, queue: "Q2"))
        let submitted = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": jobs]).decode(SubmitResult.self).jobs
        _ = try await server.post("/api/v1/job/kill", token: user, json: ["job_ids": [submitted[8].id]])
        // Dispatch all but the first (activated) and the cancelled one, in id order.
        var leases: [Int64: DispatchedJob] = [:]
        for _ in 1...7 {
            guard let job = try await server.acquire(token: pilot) else { throw ServerProcessError("nothing to dispatch") }
            leases[job.id] = job
        }
        func report(_ index: Int, _ state: String, extra: [String: Any] = [:]) async throws {
            let job = try require(leases[submitted[index].id], "lease")
            var body: [String: Any] = ["job_id": job.id, "attempt": job.attempt, "lease": job.lease, "state": state]
            body.merge(extra) { $1 }
            let reply = try await server.post("/api/v1/pilot/update_job", token: pilot, json: body)
            guard reply.status == 200 else { throw ServerProcessError("update \(state): \(reply.status) \(reply.message)") }
        }
        try await report(2, "starting")
        try await report(3, "running")
        try await report(4, "holding")
        try await report(5, "finished", extra: ["exit_code": 0, "outputs": [try logTarball(job: submitted[5].id)]])
        // A hostile pilot's log URL that points at the monitor host's own files.
        // The server refuses such a report now, so it is planted in the row as
        // an older server could have stored it: the monitor is the last line.
        try await report(6, "failed", extra: ["exit_code": 1, "error_code": 1305, "error_diag": "exit 1"])
        let planted = #"[{"lfn":"x.log.tgz","size":10,"checksum":"ad:00000001","url":"file:///etc/hostname","log":true}]"#
        let plant = try PandaProcess.runTool("/usr/bin/python3", ["-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], timeout=30)
            db.execute("UPDATE jobs SET outputs = ? WHERE id = ?", (sys.argv[2], int(sys.argv[3])))
            db.commit()
            """, server.databasePath, planted, String(submitted[6].id)])
        guard plant.status == 0 else { throw ServerProcessError("planting the log URL: \(plant.stderr)") }
        try await report(7, "failed", extra: ["exit_code": 1, "error_code": 1305, "error_diag": "exit 1"])
        finishedJob = submitted[5].id
        failedJob = submitted[6].id

        let factory = try server.token("factory@test", scope: "factory", queues: ["Q1"])
        let pilots: [String: Any] = ["factory": "factory@test", "queues": [
            ["queue": "Q1", "batch_system": "local", "queued": 2, "running": 3, "held": 0, "finished": 4, "failed": 1]]]
        _ = try await server.post("/api/v1/factory/report_pilots", token: factory, json: pilots)
        try await waitForSample()
    }

    /// A real gzip tar with a payload.stdout, where the pilot would store it.
    func logTarball(job: Int64) throws -> [String: Any] {
        // Under the queue's storage endpoint (DISK), the only place the monitor reads logs from.
        let storage = "/tmp/panda-test-storage/monitor-\(UUID().uuidString.prefix(8))"
        let folder = storage + "/log-\(job)/panda.\(job).1"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try (Self.stdoutLine + "\n").write(toFile: folder + "/payload.stdout", atomically: true, encoding: .utf8)
        try "".write(toFile: folder + "/payload.stderr", atomically: true, encoding: .utf8)
        let tarball = storage + "/job-\(job).log.tgz"
        let tar = try PandaProcess.runTool("/bin/tar", ["-czf", tarball, "-C", storage + "/log-\(job)", "panda.\(job).1"])
        guard tar.status == 0 else { throw ServerProcessError("tar: \(tar.stderr)") }
        let data = try Data(contentsOf: URL(fileURLWithPath: tarball))
        var adler = Adler32()
        adler.update(data)
        return ["lfn": "job-\(job).log.tgz", "size": data.count, "checksum": "ad:" + adler.hex, "url": tarball, "log": true, "storage": "DISK"]
    }

    /// Until the sampler has folded the failures into its counters.
    func waitForSample() async throws {
        let reader = try server.token("reader", scope: "read")
        for _ in 0..<100 {
            let stats = try await server.get("/api/v1/stats/errors", token: reader).decode(ErrorStats.self)
            if stats.failed == 2 && stats.finished == 1 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServerProcessError("the stats sampler did not record the ended attempts")
    }

    func startMonitor(softFileLimit: Int? = nil) throws {
        monitor = try Self.startMonitor(for: server, url: url, softFileLimit: softFileLimit)
    }

    /// `panda monitor` with a read token, over `server`, listening where its
    /// configuration says (`url`); `softFileLimit` starts it with that soft
    /// RLIMIT_NOFILE, as systemd's 1024 would; `probe` are curl's extra
    /// arguments to reach it (`--cacert` for HTTPS).
    static func startMonitor(for server: ServerProcess, url: String, softFileLimit: Int? = nil, probe: [String] = []) throws -> ChildProcess {
        let credential = server.directory + "/monitor.token"
        try server.token("monitor", scope: "read").write(toFile: credential, atomically: true, encoding: .utf8)
        chmod(credential, 0o600)
        let log = server.directory + "/monitor.log"
        let arguments = ["monitor", "-c", server.configPath, "--server", "http://127.0.0.1:\(server.port)", "--credential", credential]
        let process = try softFileLimit.map {
            try ChildProcess.spawn("/bin/sh", ["-c", "ulimit -Sn \($0) && exec \"$@\"", "sh", PandaProcess.binary] + arguments,
                                   environment: ["PATH": "/usr/bin:/bin"], stdout: log)
        } ?? ChildProcess.spawn(PandaProcess.binary, arguments, environment: ["PATH": "/usr/bin:/bin"], stdout: log)
        for _ in 0..<200 {
            if !process.isRunning { throw ServerProcessError("monitor exited: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")") }
            if let reply = try? PandaProcess.runTool("/usr/bin/curl", ["-sf"] + probe + [url + "/healthz"]), reply.status == 0 { return process }
            usleep(50_000)
        }
        _ = process.terminate()
        throw ServerProcessError("the monitor did not start")
    }

    func stop() {
        if let monitor { _ = monitor.terminate() }
        server.cleanUp()
    }

    /// A page's body and status through curl, with extra arguments (headers, cookies).
    func fetch(_ path: String, _ arguments: [String] = []) throws -> (status: Int, body: String, headers: String) {
        let headers = server.directory + "/headers-\(UUID().uuidString.prefix(6))"
        let reply = try PandaProcess.runTool("/usr/bin/curl", ["-s", "-D", headers, "-w", "\n%{http_code}"] + arguments + [url + path])
        var lines = reply.stdout.components(separatedBy: "\n")
        let status = Int(lines.popLast() ?? "") ?? 0
        return (status, lines.joined(separator: "\n"), (try? String(contentsOfFile: headers, encoding: .utf8)) ?? "")
    }

    /// Posts the sign-in form as a browser on the monitor's own page does:
    /// the form token from `GET /login` (field and cookie), then the post,
    /// with an `Origin` header when one is given.
    func signIn(_ token: String, origin: String? = nil, formToken: Bool = true) throws -> (status: Int, body: String, headers: String) {
        let jar = server.directory + "/cookies-\(UUID().uuidString.prefix(6))"
        let form = try fetch("/login", ["-c", jar])
        let value = try require(DOM.matches(#"name="form_token" value="([0-9a-f]+)""#, in: form.body).first?[1], "form token")
        var arguments = ["-b", jar, "--data-urlencode", "token=\(token)"]
        if formToken { arguments += ["--data-urlencode", "form_token=\(value)"] }
        if let origin { arguments += ["-H", "Origin: \(origin)"] }
        return try fetch("/login", arguments)
    }

    func json(_ path: String) throws -> [String: Any] {
        let body = try fetch(path, ["-H", "Accept: application/json"]).body
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return object?["data"] as? [String: Any] ?? [:]
    }
}

func require<T>(_ value: T?, _ what: String = "value") throws -> T {
    guard let value else { throw ServerProcessError("missing \(what)") }
    return value
}
