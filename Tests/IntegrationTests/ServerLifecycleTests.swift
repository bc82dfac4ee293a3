import Foundation
import PandaCore
import Testing

/// Every test runs once per backend: the SQLite file and PostgreSQL.
@Suite("panda server: jobs through their life over HTTP")
struct ServerLifecycleTests {
    @Test("submit, acquire, running, finished: states, history and counters", arguments: ServerBackend.all)
    func fullLifecycle(_ backend: ServerBackend) async throws {
        let server = try ServerProcess(database: try backend.database())
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let pilot = try server.token("pilot-1", scope: "pilot", queues: ["Q1"])

        let submitted = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON(queue: "Q1")]])
        #expect(submitted.status == 200)
        let id = try #require(try submitted.decode(SubmitResult.self).jobs.first?.id)

        let acquired = try await server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: acquireJSON())
        let job = try #require(try acquired.decode(AcquireResult.self).jobs.first)
        #expect(job.id == id)
        #expect(job.limits.heartbeat == .seconds(1))
        #expect(job.limits.writeTo["DISK"] == "file:///tmp/panda-test-storage")

        for state in ["starting", "running", "finished"] {
            let reply = try await server.post("/api/v1/pilot/update_job", token: pilot,
                                              json: ["job_id": id, "attempt": 1, "lease": job.lease, "state": state, "exit_code": 0])
            #expect(reply.status == 200, "\(state): \(reply.message)")
        }
        let description = try await server.post("/api/v1/job/get_description", token: user, json: ["job_id": id])
            .decode(JobDescription.self)
        #expect(description.status.state == .finished)
        #expect(description.history.map(\.state) == [.activated, .sent, .starting, .running, .finished])
        let summary = try await server.get("/api/v1/stats/summary", token: user).decode(StateSummary.self)
        #expect(summary.count(queue: "Q1", state: .finished) == 1)
    }

    @Test("brokerage picks a queue that fits, and refuses a job nothing fits, saying why per queue", arguments: ServerBackend.all)
    func brokerage(_ backend: ServerBackend) async throws {
        let server = try ServerProcess(database: try backend.database())
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let big = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON(cores: 4)]])
        #expect(try big.decode(SubmitResult.self).jobs.first?.queue == "Q1", "only Q1 has 4 cores")
        let huge = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON(cores: 16)]])
        #expect(huge.status == 400)
        #expect(huge.message == "jobs[0]: no queue fits: Q1: needs 16 cores, has 4; Q2: needs 16 cores, has 1")
    }

    @Test("a stale or forged lease gets 409 and changes nothing", arguments: ServerBackend.all)
    func staleLease(_ backend: ServerBackend) async throws {
        let server = try ServerProcess(database: try backend.database())
        defer { server.cleanUp() }
        let (user, pilot, job) = try await server.dispatchedJob()
        let forged = try await server.post("/api/v1/pilot/update_job", token: pilot,
                                           json: ["job_id": job.id, "attempt": 1, "lease": "0000", "state": "finished"])
        #expect(forged.status == 409)
        #expect(!forged.success)
        let status = try await server.post("/api/v1/job/get_status", token: user, json: ["job_ids": [job.id]]).decode([JobStatus].self)
        #expect(status.first?.state == .sent)
        let illegal = try await server.post("/api/v1/pilot/update_job", token: pilot,
                                            json: ["job_id": job.id, "attempt": 1, "lease": job.lease, "state": "finished"])
        #expect(illegal.status == 200)
        let contradiction = try await server.post("/api/v1/pilot/update_job", token: pilot,
                                                  json: ["job_id": job.id, "attempt": 1, "lease": job.lease, "state": "running"])
        #expect(contradiction.status == 409)
        #expect(contradiction.message == "job \(job.id) cannot go from finished to running")
    }

    @Test("64 concurrent pilots never get the same job", arguments: ServerBackend.all)
    func concurrentClaims(_ backend: ServerBackend) async throws {
        let server = try ServerProcess(database: try backend.database())
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let pilot = try server.token("p", scope: "pilot", queues: ["Q1"])
        let jobs = (0..<600).map { jobJSON("j\($0)", queue: "Q1") }
        for chunk in stride(from: 0, to: jobs.count, by: 200) {
            let reply = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": Array(jobs[chunk..<chunk + 200])])
            #expect(reply.status == 200)
        }
        let handed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for _ in 0..<64 {
                group.addTask {
                    var mine: [Int64] = []
                    while true {
                        let reply = try await server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: acquireJSON(n: 2))
                        if reply.status == 429 { continue }
                        let ids = try reply.decode(AcquireResult.self).jobs.map(\.id)
                        if ids.isEmpty { return mine }
                        mine += ids
                    }
                }
            }
            return try await group.reduce(into: [Int64]()) { $0 += $1 }
        }
        #expect(handed.count == 600)
        #expect(Set(handed).count == 600)
    }

    @Test("a retryable failure comes back as the next attempt; a final one stays failed", arguments: ServerBackend.all)
    func retries(_ backend: ServerBackend) async throws {
        let server = try ServerProcess(database: try backend.database())
        defer { server.cleanUp() }
        let (user, pilot, first) = try await server.dispatchedJob(maxAttempts: 2)
        let failed = try await server.post("/api/v1/pilot/update_job", token: pilot, json: [
            "job_id": first.id, "attempt": 1, "lease": first.lease, "state": "failed", "error_code": 1099, "error_diag": "stage-in",
        ]).decode(UpdateReply.self)
        #expect(failed.state == .activated)
        let second = try #require(try await server.acquire(token: pilot))
        #expect(second.id == first.id)
        #expect(second.attempt == 2)
        #expect(second.lease != first.lease)
        let final = try await server.post("/api/v1/pilot/update_job", token: pilot, json: [
            "job_id": second.id, "attempt": 2, "lease": second.lease, "state": "failed", "error_code": 1099,
        ]).decode(UpdateReply.self)
        #expect(final.state == .failed)
        let history = try await server.post("/api/v1/job/get_description", token: user, json: ["job_id": first.id])
            .decode(JobDescription.self).history
        #expect(history.map(\.state) == [.activated, .sent, .failed, .activated, .sent, .failed])
        #expect(history.map(\.attempt) == [1, 1, 1, 2, 2, 2])
    }

    @Test("kill: a waiting job is cancelled at once; a running one's pilot is told and confirms", arguments: ServerBackend.all)
    func kill(_ backend: ServerBackend) async throws {
        let server = try ServerProcess(database: try backend.database())
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let pilot = try server.token("p", scope: "pilot", queues: ["Q1"])
        let ids = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON(queue: "Q1"), jobJSON(queue: "Q2")]])
            .decode(SubmitResult.self).jobs.map(\.id)
        let job = try #require(try await server.acquire(token: pilot))
        let update: [String: Any] = ["job_id": job.id, "attempt": 1, "lease": job.lease, "state": "running"]
        _ = try await server.post("/api/v1/pilot/update_job", token: pilot, json: update)
        let killed = try await server.post("/api/v1/job/kill", token: user, json: ["job_ids": ids]).decode([KillResult].self)
        #expect(killed.map(\.outcome) == [.killRequested, .cancelled])
        let heartbeat = try await server.post("/api/v1/pilot/update_job", token: pilot, json: update).decode(UpdateReply.self)
        #expect(heartbeat.command == .kill)
        var confirm = update
        confirm["state"] = "failed"
        confirm["error_code"] = 1144
        #expect(try await server.post("/api/v1/pilot/update_job", token: pilot, json: confirm).decode(UpdateReply.self).state == .cancelled)
    }

    @Test("the sweeper fails a job whose pilot never reported, and retries it", arguments: ServerBackend.all)
    func sentTimeout(_ backend: ServerBackend) async throws {
        let server = try ServerProcess(server: "timeouts: { sent: 1s, heartbeat: 3s, holding: 3s }\nsweep_interval: 200ms", database: try backend.database())
        defer { server.cleanUp() }
        let (user, pilot, job) = try await server.dispatchedJob(maxAttempts: 2)
        try await Task.sleep(for: .seconds(2))
        let status = try await server.post("/api/v1/job/get_status", token: user, json: ["job_ids": [job.id]]).decode([JobStatus].self)
        #expect(status.first?.state == .activated)
        #expect(status.first?.attempt == 2)
        #expect(status.first?.errorCode == nil, "attempt 2 starts clean")
        let attempts = try await server.post("/api/v1/job/get_description", token: user, json: ["job_id": job.id])
            .decode(JobDescription.self).attempts
        #expect(attempts.map(\.errorCode) == [102, nil], "attempt 1 keeps its sent timeout")
        let late = try await server.post("/api/v1/pilot/update_job", token: pilot,
                                         json: ["job_id": job.id, "attempt": 1, "lease": job.lease, "state": "running"])
        #expect(late.status == 409, "the presumed-lost pilot's lease is stale")
    }

    @Test("the sweeper fails a running job whose heartbeats stopped", arguments: ServerBackend.all)
    func lostHeartbeat(_ backend: ServerBackend) async throws {
        // The sent timeout is long: on a loaded machine the running report may come late, and only the heartbeat matters here.
        let server = try ServerProcess(server: "timeouts: { sent: 5m, heartbeat: 2s, holding: 3s }\nsweep_interval: 200ms", database: try backend.database())
        defer { server.cleanUp() }
        let (user, pilot, job) = try await server.dispatchedJob(maxAttempts: 1)
        let running = try await server.post("/api/v1/pilot/update_job", token: pilot,
                                            json: ["job_id": job.id, "attempt": 1, "lease": job.lease, "state": "running"])
        #expect(running.status == 200, "\(running.message)")
        // Waits for the sweep rather than sleeping a fixed time: a loaded machine may be slow to run it.
        var status: [JobStatus] = []
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(300))
            status = try await server.post("/api/v1/job/get_status", token: user, json: ["job_ids": [job.id]]).decode([JobStatus].self)
            if status.first?.state == .failed { break }
        }
        #expect(status.first?.state == .failed)
        #expect(status.first?.errorCode == 103)
    }

    @Test("SIGTERM stops the server gracefully with exit 0", arguments: ServerBackend.all)
    func gracefulStop(_ backend: ServerBackend) throws {
        let server = try ServerProcess(database: try backend.database())
        defer { server.cleanUp() }
        #expect(server.terminate() == 0)
    }
}
