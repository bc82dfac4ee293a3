import Foundation
import PandaClient
import PandaCore
import Testing

@Suite("PandaClient over libcurl against a real server")
struct PandaClientTests {
    static let fastRetry = RetryPolicy(rounds: 2, firstDelay: .milliseconds(100))

    @Test("typed calls carry a job through its life")
    func typedCalls() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let url = "http://127.0.0.1:\(server.port)"
        let user = PandaClient(servers: [url], token: try server.token("alice", scope: "submit"))
        let pilot = PandaClient(servers: [url], token: try server.token("p", scope: "pilot", queues: ["Q1"]))
        let submitted = try await user.submit([JobSpec(queue: "Q1", payload: Payload(executable: "/bin/true"))])
        let acquired = try await pilot.acquire(AcquireRequest(queue: "Q1", node: "n", cores: 4, memory: .gigabytes(8),
                                                              disk: .gigabytes(10), remaining: .hours(48)))
        let job = try #require(acquired.jobs.first)
        #expect(job.id == submitted.jobs[0].id)
        #expect(job.spec.payload.executable == "/bin/true")
        let reply = try await pilot.update(JobUpdate(jobID: job.id, attempt: job.attempt, lease: job.lease, state: .finished, exitCode: 0))
        #expect(reply.state == .finished)
        #expect(try await user.status(of: [job.id]).first?.state == .finished)
        #expect(try await user.describe(job.id).history.count == 3)
    }

    @Test("a server that cannot be reached is skipped for the next one, which is then preferred")
    func failover() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let dead = "http://127.0.0.1:\(try ServerProcess.freePort())"
        let client = PandaClient(servers: [dead, "http://127.0.0.1:\(server.port)"], token: try server.token("alice", scope: "submit"),
                                 settings: HTTPSettings(connectTimeout: .seconds(2)), retry: Self.fastRetry)
        #expect(try await client.summary().queues.isEmpty)
        #expect(try await client.summary().queues.isEmpty)
    }

    @Test("a refusal comes back at once with the server's status and message")
    func refusal() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let client = PandaClient(servers: ["http://127.0.0.1:\(server.port)"], token: try server.token("alice", scope: "submit"))
        do {
            _ = try await client.describe(424242)
            Issue.record("describe of an unknown job succeeded")
        } catch {
            #expect(error == .refused(status: 404, message: "job 424242 does not exist or is not yours"))
            #expect(error.status == 404)
        }
    }

    @Test("with no server reachable, the error names every address tried")
    func unavailable() async throws {
        let dead = "http://127.0.0.1:\(try ServerProcess.freePort())"
        let client = PandaClient(servers: [dead], token: nil, retry: Self.fastRetry)
        do {
            _ = try await client.summary()
            Issue.record("a call to a dead address succeeded")
        } catch {
            guard case .unavailable(let detail) = error else { Issue.record("expected unavailable, got \(error)"); return }
            #expect(detail.contains(dead))
        }
    }

    @Test("a server shedding load (429) is waited out for its Retry-After, then answers")
    func honoursRetryAfter() async throws {
        let standIn = try SheddingStandIn(busyReplies: 1, retryAfter: 2, body: #"{"success":true,"message":"","data":{"queues":{}}}"#)
        defer { standIn.stop() }
        let client = PandaClient(servers: ["http://127.0.0.1:\(standIn.port)"], token: nil,
                                 retry: RetryPolicy(rounds: 3, firstDelay: .milliseconds(10)))
        #expect(try await client.summary().queues.isEmpty)
        let times = standIn.requestTimes
        #expect(times.count == 2)
        if times.count == 2 {
            #expect(times[1].timeIntervalSince(times[0]) >= 1.9, "the second try waited for Retry-After: 2")
        }
    }
}
