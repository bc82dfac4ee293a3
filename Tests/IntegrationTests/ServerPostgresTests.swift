import Foundation
import PandaCore
import Testing
import PandaSystem
import TestSupport

/// `panda server` on PostgreSQL: the real binary, the real database (the
/// test process's `PostgresTestServer`, a fresh database per test), a job
/// through its whole life over HTTP.
@Suite("panda server on PostgreSQL", .enabled(if: PostgresTestServer.isEnabled, "PANDA_TEST_POSTGRES=off"))
struct ServerPostgresTests {
    @Test("a job goes from submission to finished, with history and counters, and survives a kill -9 of the server")
    func lifecycle() async throws {
        let server = try ServerProcess(database: try ServerProcess.postgresDatabase())
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let pilot = try server.token("pilot-1", scope: "pilot", queues: ["Q1"])
        let submitted = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON(queue: "Q1"), jobJSON(queue: "Q1")]])
        #expect(submitted.status == 200, "\(submitted.message)")
        let ids = try submitted.decode(SubmitResult.self).jobs.map(\.id)
        #expect(ids.count == 2)

        let acquired = try await server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: acquireJSON())
        let job = try #require(try acquired.decode(AcquireResult.self).jobs.first)
        #expect(job.id == ids[0])
        for state in ["starting", "running", "finished"] {
            let reply = try await server.post("/api/v1/pilot/update_job", token: pilot,
                                              json: ["job_id": job.id, "attempt": 1, "lease": job.lease, "state": state, "exit_code": 0])
            #expect(reply.status == 200, "\(state): \(reply.message)")
        }
        let forged = try await server.post("/api/v1/pilot/update_job", token: pilot,
                                           json: ["job_id": ids[1], "attempt": 1, "lease": "0000", "state": "running"])
        #expect(forged.status == 409)

        // Acknowledged means committed: a server killed without a chance to flush loses nothing.
        server.kill9()
        try server.start()
        let description = try await server.post("/api/v1/job/get_description", token: user, json: ["job_id": job.id])
            .decode(JobDescription.self)
        #expect(description.status.state == .finished)
        #expect(description.history.map(\.state) == [.activated, .sent, .starting, .running, .finished])
        let summary = try await server.get("/api/v1/stats/summary", token: user).decode(StateSummary.self)
        #expect(summary.count(queue: "Q1", state: .finished) == 1)
        #expect(summary.count(queue: "Q1", state: .activated) == 1)
        let next = try await server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: acquireJSON())
        #expect(try next.decode(AcquireResult.self).jobs.map(\.id) == [ids[1]])
        #expect(server.terminate() == 0, "SIGTERM stops the server on PostgreSQL gracefully too")
    }

    @Test("an unreachable PostgreSQL stops the server at start with a message naming the database")
    func unreachable() throws {
        let server = try ServerProcess(start: false, database: "postgres://panda@/nowhere?host=/nonexistent-panda-socket")
        defer { server.cleanUp() }
        #expect(throws: (any Error).self) { try server.start() }
        let log = (try? String(contentsOfFile: server.logPath, encoding: .utf8)) ?? ""
        #expect(log.contains("nowhere"), "\(log)")
    }

    @Test("a PostgreSQL without SSL over TCP: the default sslmode stops the server with the cause and the fix; sslmode=disable works")
    func withoutSSL() throws {
        let port = try ServerProcess.freePort()
        let postgres = try PostgresTestServer.listening(onTCPPort: port)
        defer { postgres.shutdown() }
        let database = try postgres.createDatabase()
        let refused = try ServerProcess(start: false, database: "postgres://panda@127.0.0.1:\(port)/\(database)")
        defer { refused.cleanUp() }
        // The pool retries for its 15 s deadline first; the exit is what counts, not how soon.
        let process = try ChildProcess.spawn(PandaProcess.binary, ["server", "-c", refused.configPath],
                                             environment: ["PATH": "/usr/bin:/bin"], stdout: refused.logPath)
        let status = process.wait(timeout: 180)
        if status == nil { process.kill9() }
        #expect(status == 1)
        let log = refused.log_()
        #expect(log.contains("does not offer SSL (sslUnsupported)"), "\(log.suffix(3000))")
        #expect(log.contains("sslmode=verify-full (panda's default over TCP) insists on TLS"), "\(log.suffix(3000))")
        #expect(log.contains("?sslmode=disable"), "the fix: \(log.suffix(3000))")

        let plain = try ServerProcess(start: false, database: "postgres://panda@127.0.0.1:\(port)/\(database)?sslmode=disable")
        defer { plain.cleanUp() }
        try plain.start()
        #expect(plain.terminate() == 0)
    }
}
