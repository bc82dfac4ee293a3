import Foundation
import PandaCore
import Testing

@Suite("panda server: bad input gets a status and the envelope, never a 500")
struct ServerBadInputTests {
    static let limits = "limits: { request_body: 4KiB, jobs_per_request: 5 }"

    func expectRefusal(_ reply: ServerProcess.Reply, _ status: Int, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == status, "\(reply.message)", sourceLocation: sourceLocation)
        #expect(reply.json["success"] as? Bool == false, sourceLocation: sourceLocation)
        #expect(reply.json.keys.contains("data"), sourceLocation: sourceLocation)
        #expect(reply.message == message, sourceLocation: sourceLocation)
    }

    @Test("malformed, mistyped and incomplete requests get 400 naming the problem")
    func malformed() async throws {
        let server = try ServerProcess(server: Self.limits)
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let path = "/api/v1/job/submit"
        expectRefusal(try await server.send("POST", path, token: user, body: Data("{\"jobs\": [".utf8)), 400,
                      "malformed JSON: The given data was not valid JSON.")
        expectRefusal(try await server.send("POST", path, token: user, body: Data()), 400, "request body is empty; expected JSON")
        expectRefusal(try await server.post(path, token: user, json: ["jobs": "many"]), 400, "jobs: expected a list")
        expectRefusal(try await server.post(path, token: user, json: ["jobs": [["payload": [:]]]]), 400, "jobs[0].payload.executable: missing")
        expectRefusal(try await server.post(path, token: user, json: ["jobs": [["payload": ["executable": "x"], "resources": ["memory": "2"]]]]), 400,
                      "jobs[0].resources.memory: '2' needs a unit, such as 2GB or 2MiB")
        expectRefusal(try await server.post(path, token: user, json: ["jobs": []]), 400, "jobs is empty")
        expectRefusal(try await server.post(path, token: user, json: ["jobs": [["payload": ["executable": ""], "resources": ["cores": 0]]]]), 400,
                      "jobs[0].payload.executable is empty; jobs[0].resources.cores 0 is not 1 to 1024")
        expectRefusal(try await server.post(path, token: user, json: ["jobs": [jobJSON(queue: "NOPE")]]), 400, "jobs[0]: queue NOPE does not exist")
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        expectRefusal(try await server.send("POST", path, token: user, body: Data(deep.utf8)), 400, "JSON nests deeper than 32 levels")
    }

    @Test("oversized bodies and too many jobs get 413")
    func tooLarge() async throws {
        let server = try ServerProcess(server: Self.limits)
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let big = ["jobs": [["payload": ["executable": String(repeating: "x", count: 5000)]]]]
        expectRefusal(try await server.post("/api/v1/job/submit", token: user, json: big), 413, "request body is larger than 4096 bytes")
        let many = ["jobs": (0..<6).map { jobJSON("j\($0)") }]
        expectRefusal(try await server.post("/api/v1/job/submit", token: user, json: many), 413,
                      "6 jobs in one request; at most 5 (server.limits.jobs_per_request)")
    }

    @Test("unknown jobs, queues, endpoints and states get 404 or 400")
    func unknown() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let pilot = try server.token("ops", scope: "admin")
        expectRefusal(try await server.post("/api/v1/job/get_description", token: user, json: ["job_id": 999]), 404,
                      "job 999 does not exist or is not yours")
        expectRefusal(try await server.post("/api/v1/pilot/update_job", token: pilot, json: ["job_id": 999, "attempt": 1, "lease": "x", "state": "running"]),
                      404, "job 999 does not exist")
        expectRefusal(try await server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: acquireJSON(queue: "Q9")), 404,
                      "queue Q9 does not exist (queues: Q1, Q2)")
        expectRefusal(try await server.get("/api/v1/nothing", token: user), 404, "no such endpoint: GET /api/v1/nothing")
        expectRefusal(try await server.get("/api/v1/jobs?state=sleeping", token: user), 400, "state 'sleeping' is not a job state")
        let pilotQ1 = try server.token("p", scope: "pilot", queues: ["Q1"])
        expectRefusal(try await server.post("/api/v1/pilot/update_job", token: pilotQ1,
                                            json: ["job_id": 1, "attempt": 1, "lease": "x", "state": "exploded"]), 400,
                      "state: Cannot initialize JobState from invalid String value exploded")
    }

    @Test("bulk updates answer each update on its own")
    func bulk() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let (_, pilot, job) = try await server.dispatchedJob()
        let reply = try await server.post("/api/v1/pilot/update_jobs_bulk", token: pilot, json: ["updates": [
            ["job_id": job.id, "attempt": 1, "lease": job.lease, "state": "running"],
            ["job_id": job.id, "attempt": 1, "lease": "stale", "state": "running"],
            ["job_id": 12345, "attempt": 1, "lease": "x", "state": "running"],
        ]]).decode(BulkUpdateResult.self)
        #expect(reply.results.map(\.status) == [200, 409, 404])
    }
}
