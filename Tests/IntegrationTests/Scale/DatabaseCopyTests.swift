import Foundation
import PandaCore
import Testing
import TestSupport

/// `panda db copy` moves a site from its SQLite file to PostgreSQL: jobs in
/// every state, their history and leases, tokens and counters, and a server
/// on PostgreSQL carries on where the SQLite one stopped.
@Suite("panda db copy: from SQLite to PostgreSQL")
struct DatabaseCopyTests {
    @Test("jobs in every state are copied with their history and leases; a pilot finishes its running job on the PostgreSQL server",
          .enabled(if: PostgresTestServer.isEnabled))
    func copyAndCarryOn() async throws {
        let old = try ServerProcess()
        defer { old.cleanUp() }
        let user = try old.token("alice", scope: "submit")
        let pilot = try old.token("p", scope: "pilot", queues: ["Q1"])
        let submit = try await old.post("/api/v1/job/submit", token: user, json: [
            "jobs": (0..<6).map { jobJSON("j\($0)", queue: "Q1", maxAttempts: 1) },
        ]).decode(SubmitResult.self)
        #expect(submit.jobs.count == 6)
        // sent, running, finished, failed, cancelled; one left activated.
        var held: [DispatchedJob] = []
        for _ in 0..<4 { held.append(try #require(try await old.acquire(token: pilot))) }
        func report(_ job: DispatchedJob, _ state: String, token: String) async throws -> Int {
            var body: [String: Any] = ["job_id": job.id, "attempt": job.attempt, "lease": job.lease, "state": state]
            if state == "failed" { body["error_code"] = 1305 }
            return try await old.post("/api/v1/pilot/update_job", token: token, json: body).status
        }
        #expect(try await report(held[1], "running", token: pilot) == 200)
        #expect(try await report(held[2], "finished", token: pilot) == 200)
        #expect(try await report(held[3], "failed", token: pilot) == 200)
        let waiting = submit.jobs.map(\.id).filter { id in !held.contains { $0.id == id } }
        _ = try await old.post("/api/v1/job/kill", token: user, json: ["job_ids": [waiting[0]]])
        let before = try await old.post("/api/v1/job/get_status", token: user, json: ["job_ids": submit.jobs.map(\.id)]).decode([JobStatus].self)
        #expect(Set(before.map(\.state)) == [.sent, .running, .finished, .failed, .cancelled, .activated])
        let history = try await old.post("/api/v1/job/get_description", token: user, json: ["job_id": held[3].id]).decode(JobDescription.self).history

        let postgres = try PostgresTestServer.shared()
        let target = postgres.url(database: try postgres.createDatabase())
        let arguments = ["db", "copy", "--from", "sqlite://\(old.databasePath)", "--to", target]
        let refused = try PandaProcess.run(arguments)
        #expect(refused.status == 1 && refused.stderr.contains("in use"), "refused while the server runs: \(refused.stderr)")
        #expect(old.terminate() == 0)
        let copied = try PandaProcess.run(arguments)
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("jobs: 6 rows") && copied.stdout.contains("row counts match"), "\(copied.stdout)")
        let again = try PandaProcess.run(arguments)
        #expect(again.status == 1 && again.stderr.contains("not empty"), "a second copy is refused: \(again.stderr)")

        // The new server gets the old one's signing key, as an operator moving the site copies it.
        let new = try ServerProcess(start: false, database: target)
        defer { new.cleanUp() }
        try FileManager.default.createDirectory(atPath: new.directory + "/state", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: old.directory + "/state/signing.key", toPath: new.directory + "/state/signing.key")
        try new.start()
        let after = try await new.post("/api/v1/job/get_status", token: user, json: ["job_ids": submit.jobs.map(\.id)]).decode([JobStatus].self)
        #expect(after == before, "every job as it was, with the old tokens")
        let copiedHistory = try await new.post("/api/v1/job/get_description", token: user, json: ["job_id": held[3].id])
            .decode(JobDescription.self).history
        #expect(copiedHistory == history)
        let summary = try await new.get("/api/v1/stats/summary", token: user).decode(StateSummary.self)
        #expect(summary.count(queue: "Q1", state: .running) == 1 && summary.count(queue: "Q1", state: .activated) == 1, "the counters came too")

        // The pilots carry on under their leases.
        let finish: [String: Any] = ["job_id": held[1].id, "attempt": held[1].attempt, "lease": held[1].lease, "state": "finished"]
        #expect(try await new.post("/api/v1/pilot/update_job", token: pilot, json: finish).status == 200)
        let start: [String: Any] = ["job_id": held[0].id, "attempt": held[0].attempt, "lease": held[0].lease, "state": "running"]
        #expect(try await new.post("/api/v1/pilot/update_job", token: pilot, json: start).status == 200)
        let next = try #require(try await new.acquire(token: pilot), "the activated job is dispatched")
        #expect(next.id == waiting[1])
        let more = try await new.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON("new", queue: "Q1")]]).decode(SubmitResult.self)
        #expect(more.jobs[0].id > submit.jobs.map(\.id).max()!, "new ids continue above the copied ones")
    }
}
