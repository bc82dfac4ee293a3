import Foundation
import PandaCore
import Testing

/// Issue 11, class 1: every count, length and size in a request is checked
/// against `server.limits` before anything is allocated or looped over.
@Suite("request bounds: counts and sizes are refused before anything is made for them")
struct RequestBoundsTests {
    static let limits = """
        limits: { files_per_job: 10, list_items: 5, command_bytes: 2KiB, text_bytes: 256B, files_per_request: 10, replicas_per_file: 2 }
        """

    @Test("n_jobs of 2^63-1, 1e12 and 1e9 gets 413 at once; the server stays up and stores nothing")
    func hugeJobCounts() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let reader = try server.token("monitor", scope: "read")
        for n in ["9223372036854775807", "1000000000000", "1000000000"] {
            let body = #"{"task": {"n_jobs": \#(n), "out_ds": "user.alice.sim", "payload": {"executable": "/bin/true", "arguments": ["%JOB"]}}}"#
            let reply = try await server.send("POST", "/api/v1/task/submit", token: alice, body: Data(body.utf8))
            SafetyChecks.expectRefused(reply, 413, containing: "the task would make \(n) jobs; at most 200000 (server.limits.jobs_per_task)")
        }
        #expect(try await server.get("/healthz", token: nil).status == 200)
        #expect(try await server.get("/api/v1/tasks", token: reader).decode([TaskStatus].self).isEmpty)
        #expect(try await SafetyChecks.jobs(server, token: reader).isEmpty)
        #expect(try await SafetyChecks.catalogue(server, token: reader).isEmpty, "no output dataset was made")
    }

    @Test("%IN repeated over many inputs is measured before it is expanded: 413, and no task")
    func placeholderRepetition() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let reader = try server.token("monitor", scope: "read")
        let files = (1...200).map { index -> [String: Any] in
            ["scope": "user.alice", "lfn": "f-\(index).root", "size": 10, "checksum": "ad:00000001",
             "replicas": [["storage": "DISK", "url": "file:///tmp/panda-test-storage/user.alice/f-\(index).root"]]]
        }
        #expect(try await server.post("/api/v1/dataset/add_files", token: alice, json: ["dataset": "user.alice.many", "files": files]).status == 200)
        let before = try await SafetyChecks.catalogue(server, token: reader)
        // 8 kB as sent; 2000 copies of 200 names once expanded: 5 MB per job.
        let task: [String: Any] = ["in_ds": ["user.alice.many"], "out_ds": "user.alice.blown", "files_per_job": 200,
                                   "payload": ["executable": "/bin/echo", "arguments": [String(repeating: "%IN ", count: 2000)]]]
        let reply = try await server.post("/api/v1/task/submit", token: alice, json: ["task": task])
        SafetyChecks.expectRefused(reply, 413, containing: "once placeholders expand; at most 1048576 (server.limits.command_bytes)")
        #expect(try await server.get("/api/v1/tasks", token: reader).decode([TaskStatus].self).isEmpty)
        #expect(try await SafetyChecks.catalogue(server, token: reader) == before)
    }

    @Test("a job's inputs, environment, arguments and strings are bounded by server.limits: 413 naming the limit")
    func jobLimits() async throws {
        let server = try ServerProcess(server: Self.limits)
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let reader = try server.token("monitor", scope: "read")
        func submit(_ change: (inout [String: Any]) -> Void) async throws -> ServerProcess.Reply {
            var job = jobJSON(queue: "Q1")
            change(&job)
            return try await server.post("/api/v1/job/submit", token: alice, json: ["jobs": [job]])
        }
        let input: [String: Any] = ["lfn": "a.root", "replicas": [["storage": "DISK", "url": "/tmp/panda-test-storage/a.root"]]]
        SafetyChecks.expectRefused(try await submit { $0["inputs"] = Array(repeating: input, count: 11) }, 413,
                                   containing: "jobs[0].inputs has 11 items; at most 10 (server.limits.files_per_job)")
        SafetyChecks.expectRefused(try await submit { $0["outputs"] = (1...11).map { ["lfn": "o\($0)"] } }, 413,
                                   containing: "jobs[0].outputs has 11 items; at most 10 (server.limits.files_per_job)")
        var crowded = input
        crowded["replicas"] = Array(repeating: ["storage": "DISK", "url": "/tmp/panda-test-storage/a.root"], count: 3)
        SafetyChecks.expectRefused(try await submit { $0["inputs"] = [crowded] }, 413,
                                   containing: "jobs[0].inputs[0].replicas has 3 items; at most 2 (server.limits.replicas_per_file)")
        SafetyChecks.expectRefused(try await submit {
            $0["payload"] = ["executable": "/bin/true", "environment": Dictionary(uniqueKeysWithValues: (1...6).map { ("V\($0)", "x") })]
        }, 413, containing: "jobs[0].payload.environment has 6 items; at most 5 (server.limits.list_items)")
        SafetyChecks.expectRefused(try await submit { $0["payload"] = ["executable": "/bin/true", "arguments": [String(repeating: "a", count: 3000)]] },
                                   413, containing: "jobs[0].payload.arguments and payload.environment are 3001 bytes; at most 2048 (server.limits.command_bytes)")
        SafetyChecks.expectRefused(try await submit { $0["payload"] = ["executable": "/" + String(repeating: "x", count: 300)] }, 413,
                                   containing: "jobs[0].payload.executable is 301 bytes long; at most 256 (server.limits.text_bytes)")
        SafetyChecks.expectRefused(try await submit { $0["software"] = (1...6).map { "tag\($0)" } }, 413,
                                   containing: "jobs[0].software has 6 items; at most 5 (server.limits.list_items)")
        // A walltime of 2^63-1 seconds would overflow milliseconds: refused, not a crash.
        let body = #"{"jobs": [{"payload": {"executable": "/bin/true"}, "resources": {"walltime": 9223372036854775807}}]}"#
        SafetyChecks.expectRefused(try await server.send("POST", "/api/v1/job/submit", token: alice, body: Data(body.utf8)), 400,
                                   containing: "9223372036854775807 seconds is too long")
        let task: [String: Any] = ["in_ds": (1...6).map { "user.alice.d\($0)" }, "payload": ["executable": "/bin/true"]]
        SafetyChecks.expectRefused(try await server.post("/api/v1/task/submit", token: alice, json: ["task": task]), 413,
                                   containing: "in_ds has 6 datasets; at most 5 (server.limits.list_items)")
        #expect(try await server.get("/healthz", token: nil).status == 200)
        #expect(try await SafetyChecks.jobs(server, token: reader).isEmpty)
    }

    @Test("dataset/add_files: files per request and replicas per file are bounded; a huge name is refused with a short message")
    func catalogueLimits() async throws {
        let server = try ServerProcess(server: Self.limits)
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let reader = try server.token("monitor", scope: "read")
        func file(_ lfn: String, replicas: Int = 1) -> [String: Any] {
            ["scope": "user.alice", "lfn": lfn, "size": 1,
             "replicas": Array(repeating: ["storage": "DISK", "url": "/tmp/panda-test-storage/user.alice/\(lfn)"], count: replicas)]
        }
        let path = "/api/v1/dataset/add_files"
        SafetyChecks.expectRefused(try await server.post(path, token: alice, json: ["dataset": "user.alice.d", "files": (1...11).map { file("f\($0)") }]),
                                   413, containing: "11 files in one request; at most 10 (server.limits.files_per_request)")
        SafetyChecks.expectRefused(try await server.post(path, token: alice, json: ["dataset": "user.alice.d", "files": [file("f", replicas: 3)]]),
                                   413, containing: "files[0] has 3 replicas; at most 2 (server.limits.replicas_per_file)")
        var long = file("f")
        long["scope"] = String(repeating: "s", count: 100_000)
        let huge = try await server.post(path, token: alice, json: ["dataset": "user.alice.d", "files": [long]])
        SafetyChecks.expectRefused(huge, 400, containing: "files[0].scope is 100000 bytes long; at most 255")
        #expect(huge.body.count < 2000, "the answer does not echo the name")
        #expect(try await SafetyChecks.catalogue(server, token: reader).isEmpty)
    }
}
