import Foundation
import PandaClient
import PandaCore
import Testing

/// A retried call is applied once: the client sends one Idempotency-Key per
/// logical call, the server remembers the answer, and a retry after a lost
/// answer gets that answer instead of a second effect.
@Suite("panda server: idempotent retries")
struct IdempotentRetryTests {
    static let fastRetry = RetryPolicy(rounds: 3, firstDelay: .milliseconds(100))

    @Test("a job submission whose answer was lost is stored once; the client's retry gets the first answer")
    func submitOnce() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let proxy = try AnswerLosingProxy(to: server.port, lose: 1)
        defer { proxy.stop() }
        let token = try server.token("alice", scope: "submit")
        let client = PandaClient(servers: ["http://127.0.0.1:\(proxy.port)"], token: token, retry: Self.fastRetry)
        let submitted = try await client.submit([JobSpec(name: "once", queue: "Q1", payload: Payload(executable: "/bin/true"))])
        #expect(submitted.jobs.count == 1)
        #expect(proxy.keys.count == 2, "the first answer was lost, so the client asked again")
        #expect(Set(proxy.keys).count == 1, "with the same key")
        let page = try await server.get("/api/v1/jobs", token: token).decode(JobPage.self)
        #expect(page.jobs.map(\.id) == submitted.jobs.map(\.id), "one job, the one the answer names")
    }

    @Test("a retried acquire gets the claim whose answer was lost, not a second job, and its lease works")
    func acquireOnce() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        _ = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON("a", queue: "Q1"), jobJSON("b", queue: "Q1")]])
        let proxy = try AnswerLosingProxy(to: server.port, lose: 1)
        defer { proxy.stop() }
        let pilotToken = try server.token("p", scope: "pilot", queues: ["Q1"])
        let pilot = PandaClient(servers: ["http://127.0.0.1:\(proxy.port)"], token: pilotToken, retry: Self.fastRetry)
        let acquired = try await pilot.acquire(AcquireRequest(queue: "Q1", node: "n", cores: 4, memory: .gigabytes(8),
                                                              disk: .gigabytes(10), remaining: .hours(48)))
        let job = try #require(acquired.jobs.first)
        #expect(Set(proxy.keys).count == 1 && proxy.keys.count == 2)
        #expect(proxy.retryMarks == [false, true], "only the retry says so, and only it makes the server look the key up")
        let summary = try await server.get("/api/v1/stats/summary", token: user).decode(StateSummary.self)
        #expect(summary.count(queue: "Q1", state: .sent) == 1, "nothing stranded in sent")
        #expect(summary.count(queue: "Q1", state: .activated) == 1)
        let running: [String: Any] = ["job_id": job.id, "attempt": job.attempt, "lease": job.lease, "state": "running"]
        #expect(try await server.post("/api/v1/pilot/update_job", token: pilotToken, json: running).status == 200)
    }

    @Test("a pilot's retried acquire never gets the jobs another pilot token claimed with the same key")
    func acquireKeysAreTheCallers() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        _ = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": [jobJSON("a", queue: "Q1"), jobJSON("b", queue: "Q1")]])
        let first = try server.token("p1", scope: "pilot", queues: ["Q1"])
        let second = try server.token("p2", scope: "pilot", queues: ["Q1"])
        let ask: [String: Any] = ["queue": "Q1", "node": "n", "cores": 4, "memory": "8GB", "disk": "10GB", "remaining": "48h", "n_jobs": 1]
        let key = ["Idempotency-Key": "0190-aa"]
        let retry = key.merging(["Idempotency-Retry": "true"]) { $1 }
        let firsts = try await server.post("/api/v1/pilot/acquire_jobs", token: first, json: ask, headers: key).decode(AcquireResult.self)
        let replayed = try await server.post("/api/v1/pilot/acquire_jobs", token: first, json: ask, headers: retry).decode(AcquireResult.self)
        #expect(replayed.jobs.map(\.lease) == firsts.jobs.map(\.lease), "the same caller's retry gets its claim again")
        let seconds = try await server.post("/api/v1/pilot/acquire_jobs", token: second, json: ask, headers: retry).decode(AcquireResult.self)
        let job = try #require(seconds.jobs.first)
        #expect(job.id != firsts.jobs.first?.id && job.lease != firsts.jobs.first?.lease)
        let bad = try await server.post("/api/v1/pilot/acquire_jobs", token: second, json: ask, headers: key.merging(["Idempotency-Retry": "yes"]) { $1 })
        #expect(bad.status == 400)
    }

    @Test("a key belongs to its caller, and a malformed key is refused")
    func keysAreTheCallers() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let bob = try server.token("bob", scope: "submit")
        let body: [String: Any] = ["jobs": [jobJSON(queue: "Q1")]]
        let key = ["Idempotency-Key": "4a7c-11"]
        let first = try await server.post("/api/v1/job/submit", token: alice, json: body, headers: key).decode(SubmitResult.self)
        let again = try await server.post("/api/v1/job/submit", token: alice, json: body, headers: key).decode(SubmitResult.self)
        #expect(again.jobs.map(\.id) == first.jobs.map(\.id))
        let bobs = try await server.post("/api/v1/job/submit", token: bob, json: body, headers: key).decode(SubmitResult.self)
        #expect(bobs.jobs.map(\.id) != first.jobs.map(\.id), "bob's call with the same key is his own")
        let other = try await server.post("/api/v1/job/submit", token: alice, json: body, headers: ["Idempotency-Key": "4a7c-12"])
            .decode(SubmitResult.self)
        #expect(other.jobs.map(\.id) != first.jobs.map(\.id))
        let bad = try await server.post("/api/v1/job/submit", token: alice, json: body, headers: ["Idempotency-Key": "no spaces allowed"])
        #expect(bad.status == 400)
    }
}
