import Foundation
import PandaCore
import TestSupport
import Testing

/// `server.retention` end to end: `panda db prune` and the server's own
/// periodic pass remove old ended jobs and their log tarballs on a local
/// storage endpoint.
@Suite("retention: panda db prune and the server's pass")
struct RetentionIntegrationTests {
    static func queues(storage: String) -> String {
        """
        sites:
          SITE:
            storage:
              DISK: { url: \(storage) }
            queues:
              Q1: { read_from: [DISK], write_to: DISK, copytools: [cp], corecount: 4, maxrss: 8GB, heartbeat: 1s }
        """
    }

    /// A job of Q1 that failed for good, leaving a log tarball at `log` (created here).
    static func failedJob(_ server: ServerProcess, user: String, pilot: String, log: String) async throws -> Int64 {
        #expect(try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON(queue: "Q1", maxAttempts: 1)]]).status == 200)
        let job = try #require(try await server.acquire(token: pilot))
        try FileManager.default.createDirectory(atPath: (log as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: log, contents: Data("tarball".utf8)))
        let outputs: [[String: Any]] = [["lfn": (log as NSString).lastPathComponent, "size": 7, "checksum": "ad:00000001", "url": log,
                                         "log": true, "storage": "DISK", "scope": "user.alice"]]
        let failed: [String: Any] = ["job_id": job.id, "attempt": job.attempt, "lease": job.lease, "state": "failed", "exit_code": 1,
                                     "error_code": 1305, "outputs": outputs]
        let reply = try await server.post("/api/v1/pilot/update_job", token: pilot, json: failed)
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
        return job.id
    }

    /// Moves every ended job `days` into the past, as time would (the server is stopped).
    static func age(_ server: ServerProcess, days: Int) throws {
        let result = try PandaProcess.runTool("/usr/bin/sqlite3", [
            server.databasePath, "UPDATE jobs SET state_changed_at = state_changed_at - \(days * 86_400) WHERE state IN ('finished', 'failed', 'cancelled')",
        ])
        try #require(result.status == 0, "\(result.stderr)")
    }

    @Test("panda db prune --dry-run removes nothing; panda db prune removes old ended jobs and their local log tarballs")
    func pruneCommand() async throws {
        let storage = NSTemporaryDirectory() + "panda-retention-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: storage) }
        let server = try ServerProcess(queues: Self.queues(storage: storage))
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let pilot = try server.token("p", scope: "pilot", queues: ["Q1"])
        let logs = [storage + "/user.alice/a.log.tgz", storage + "/user.alice/b.log.tgz"]
        var ids: [Int64] = []
        for log in logs { ids.append(try await Self.failedJob(server, user: user, pilot: pilot, log: log)) }
        #expect(try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON("waiting", queue: "Q1")]]).status == 200)
        server.terminate()
        try Self.age(server, days: 200)

        let dry = try PandaProcess.run(["db", "prune", "--dry-run", "-c", server.configPath])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("would remove 2 jobs that ended before"), "\(dry.stdout)")
        #expect(dry.stdout.contains("(over 180d ago) and 2 log tarballs"), "\(dry.stdout)")
        #expect(logs.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "a dry run removes nothing")

        let young = try PandaProcess.run(["db", "prune", "--older-than", "300d", "-c", server.configPath])
        #expect(young.stdout.contains("removed 0 jobs"), "\(young.stdout)")

        let pruned = try PandaProcess.run(["db", "prune", "-c", server.configPath])
        #expect(pruned.status == 0, "\(pruned.stderr)")
        #expect(pruned.stdout.contains("removed 2 jobs that ended before"), "\(pruned.stdout)")
        #expect(pruned.stdout.contains(", 2 log tarballs"), "\(pruned.stdout)")
        #expect(logs.allSatisfy { !FileManager.default.fileExists(atPath: $0) })

        try server.start()
        let remaining = try await server.get("/api/v1/jobs?limit=100", token: user)
        let page = try remaining.decode(JobPage.self)
        #expect(page.jobs.map(\.name) == ["waiting"], "the waiting job stays")
        for id in ids {
            #expect(try await server.post("/api/v1/job/get_description", token: user, json: ["job_id": id]).status == 404)
        }
        let summary = try await server.get("/api/v1/stats/summary", token: user).decode(StateSummary.self)
        #expect(summary.total(.failed) == 0 && summary.total(.activated) == 1, "the counts are those of the jobs that exist")
    }

    @Test("the server removes old ended jobs and their log tarballs itself, at start and every retention.interval")
    func serverPass() async throws {
        let storage = NSTemporaryDirectory() + "panda-retention-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: storage) }
        let server = try ServerProcess(server: "retention: { jobs: 30d, interval: 1m }", queues: Self.queues(storage: storage))
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let pilot = try server.token("p", scope: "pilot", queues: ["Q1"])
        let log = storage + "/user.alice/old.log.tgz"
        _ = try await Self.failedJob(server, user: user, pilot: pilot, log: log)
        server.terminate()
        try Self.age(server, days: 31)
        try server.start()
        waitForLine("retention: removed 1 job(s) ended over 30d ago, 0 task(s), 1 log tarball(s)", in: server.logPath)
        #expect(server.log_().contains("retention: removed 1 job(s) ended over 30d ago"), "\(server.log_())")
        #expect(!FileManager.default.fileExists(atPath: log))
        #expect(try await server.get("/api/v1/jobs?limit=100", token: user).decode(JobPage.self).jobs.isEmpty)
    }

    @Test("config check refuses a retention shorter than a day and accepts forever")
    func configuration() throws {
        let short = try ServerProcess(server: "retention: { jobs: 2h }", start: false)
        defer { short.cleanUp() }
        let refused = try PandaProcess.run(["config", "check", "-c", short.configPath])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("server.retention.jobs: '2h' is shorter than 1d"), "\(refused.stderr)")
        let forever = try ServerProcess(server: "retention: { jobs: forever }", start: false)
        defer { forever.cleanUp() }
        #expect(try PandaProcess.run(["config", "check", "-c", forever.configPath]).status == 0)
        let pruned = try PandaProcess.run(["db", "prune", "-c", forever.configPath])
        #expect(pruned.stdout.contains("server.retention.jobs is forever: nothing is due"), "\(pruned.stdout)")
    }
}
