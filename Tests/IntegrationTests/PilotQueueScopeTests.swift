import Foundation
import PandaCore
import Testing

/// A pilot token acts on jobs of its own queue only, on every pilot route,
/// even when it knows another queue's job id and lease.
@Suite("panda server: pilot tokens stay in their queue")
struct PilotQueueScopeTests {
    @Test("a pilot of Q1 cannot report on a job of Q2, alone or in bulk, even with its lease")
    func reportsStayInQueue() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let q1 = try server.token("p1", scope: "pilot", queues: ["Q1"])
        let q2 = try server.token("p2", scope: "pilot", queues: ["Q2"])
        _ = try await server.post("/api/v1/job/submit", token: alice, json: ["jobs": [jobJSON(queue: "Q2")]])
        let job = try #require(try await server.acquire(token: q2, queue: "Q2"))
        let running: [String: Any] = ["job_id": job.id, "attempt": job.attempt, "lease": job.lease, "state": "running"]

        let single = try await server.post("/api/v1/pilot/update_job", token: q1, json: running)
        #expect(single.status == 403)
        #expect(single.message.contains("queue Q2"), "\(single.message)")
        let bulk = try await server.post("/api/v1/pilot/update_jobs_bulk", token: q1, json: ["updates": [running]])
        let item = try #require(try bulk.decode(BulkUpdateResult.self).results.first)
        #expect(!item.success)
        #expect(item.status == 403)
        let recover = try await server.post("/api/v1/pilot/recover_job", token: q1,
                                            json: ["job_id": job.id, "attempt": 1, "lease": job.lease, "queue": "Q2", "node": "n"])
        #expect(recover.status == 403)
        #expect(try await server.get("/api/v1/pilot/queue_info?queue=Q2", token: q1).status == 403)
        #expect(try await server.post("/api/v1/pilot/report_node", token: q1,
                                      json: ["queue": "Q2", "node": "n", "error_code": 1098, "diagnostic": "x"]).status == 403)

        let status = try #require(try await server.post("/api/v1/job/get_status", token: alice, json: ["job_ids": [job.id]])
            .decode([JobStatus].self).first)
        #expect(status.state == .sent, "nothing changed")
        #expect(try await server.post("/api/v1/pilot/update_job", token: q2, json: running).status == 200, "its own pilot still can")
    }
}
