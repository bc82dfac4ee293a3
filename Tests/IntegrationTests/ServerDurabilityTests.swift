import Foundation
import PandaCore
import Testing

@Suite("panda server: what was acknowledged survives kill -9")
struct ServerDurabilityTests {
    @Test("kill -9 while clients submit and finish jobs: every acknowledged job is there, in its acknowledged state or later")
    func killNine() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let pilot = try server.token("p", scope: "pilot", queues: ["Q1"])

        // Submitters and pilots run until the server vanishes; each records
        // only what the server answered 200 to.
        let acknowledged = AcknowledgedLog()
        let clients = Task {
            await withTaskGroup(of: Void.self) { group in
                for client in 0..<8 {
                    group.addTask {
                        for batch in 0..<10_000 {
                            // Refused or unanswered (shed under load, say) is not acknowledged: go on until the server is gone.
                            guard let reply = try? await server.post("/api/v1/job/submit", token: user,
                                                                     json: ["jobs": (0..<5).map { jobJSON("c\(client)-\(batch)-\($0)", queue: "Q1") }]),
                                  reply.status == 200, let result = try? reply.decode(SubmitResult.self) else {
                                if (try? await server.get("/healthz", token: nil)) == nil { return }
                                continue
                            }
                            acknowledged.record(result.jobs.map(\.id), as: .activated)
                        }
                    }
                }
                for _ in 0..<4 {
                    group.addTask {
                        while true {
                            guard let reply = try? await server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: acquireJSON(n: 3)),
                                  reply.status == 200, let jobs = try? reply.decode(AcquireResult.self).jobs else {
                                if (try? await server.get("/healthz", token: nil)) == nil { return }
                                continue
                            }
                            acknowledged.record(jobs.map(\.id), as: .sent)
                            for job in jobs {
                                guard let done = try? await server.post("/api/v1/pilot/update_job", token: pilot,
                                                                        json: ["job_id": job.id, "attempt": 1, "lease": job.lease, "state": "finished"]),
                                      done.status == 200 else { return }
                                acknowledged.record([job.id], as: .finished)
                            }
                        }
                    }
                }
            }
        }
        // Kill once the server has acknowledged plenty: a bound on progress,
        // not on time, so a loaded machine only makes the wait longer (the
        // deadline is there to end a server that stopped answering at all).
        let plenty = 300
        let deadline = ContinuousClock.now + .seconds(900)
        while acknowledged.count < plenty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        server.kill9()
        await clients.value
        let expected = acknowledged.snapshot()
        #expect(expected.count >= plenty, "the clients should have been acknowledged \(plenty) jobs before the kill")

        try server.start()
        let reader = try server.token("monitor", scope: "read")
        var found: [Int64: JobState] = [:]
        let ids = Array(expected.keys)
        for chunk in stride(from: 0, to: ids.count, by: 5000) {
            let statuses = try await server.post("/api/v1/job/get_status", token: reader,
                                                 json: ["job_ids": Array(ids[chunk..<min(chunk + 5000, ids.count)])]).decode([JobStatus].self)
            for status in statuses { found[status.id] = status.state }
        }
        var missing = 0, regressed = 0
        for (id, state) in expected {
            guard let now = found[id] else { missing += 1; continue }
            if now < state { regressed += 1 }
        }
        #expect(missing == 0, "acknowledged jobs lost after kill -9")
        #expect(regressed == 0, "acknowledged states lost after kill -9")
        // The counters were committed with the jobs, so they agree with them.
        let summary = try await server.get("/api/v1/stats/summary", token: reader).decode(StateSummary.self)
        let counted = JobState.allCases.reduce(0) { $0 + summary.total($1) }
        let listed = try await server.get("/api/v1/jobs?limit=1", token: reader).decode(JobPage.self).jobs.first?.id ?? 0
        #expect(counted == Int(listed), "one counted job per stored job")
    }
}

/// The furthest state the server acknowledged for each job.
final class AcknowledgedLog: @unchecked Sendable {
    private var states: [Int64: JobState] = [:]
    private let lock = NSLock()

    func record(_ ids: [Int64], as state: JobState) {
        lock.withLock {
            for id in ids where (states[id] ?? .defined) < state { states[id] = state }
        }
    }

    func snapshot() -> [Int64: JobState] { lock.withLock { states } }

    var count: Int { lock.withLock { states.count } }
}
