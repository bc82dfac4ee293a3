import Foundation
import PandaCore
import Testing

/// Issue 11, class 2 on the server: every name that becomes a path or URL
/// component goes through one validator, on every route, and every replica
/// URL must lie under its endpoint's base.
@Suite("names: scopes, file names, datasets, queues and storage names cannot leave their place")
struct NameValidationTests {
    @Test("job/submit refuses escaping names and replicas outside their endpoint with 400; nothing is stored")
    func jobNames() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let reader = try server.token("monitor", scope: "read")
        func job(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
            var job = jobJSON(queue: "Q1")
            change(&job)
            return job
        }
        let outside = "file:///tmp/panda-test-storage/%2e%2e/etc/passwd"
        let cases: [([String: Any], String)] = [
            (job { $0["outputs"] = [["lfn": "pwned.txt", "scope": "../.."]] }, "jobs[0].outputs[0].scope '../..' must not hold '/' or '\\'"),
            (job { $0["outputs"] = [["lfn": "pwned.txt", "scope": "user.alice/../.."]] }, "jobs[0].outputs[0].scope 'user.alice/../..' must not hold '/'"),
            (job { $0["log"] = ["lfn": "l.tgz", "scope": "a..b"] }, "jobs[0].log.scope 'a..b' must not hold '..'"),
            (job { $0["outputs"] = [["lfn": ".."]] }, "jobs[0].outputs[0].lfn '..' must not start with '.'"),
            (job { $0["outputs"] = [["lfn": "a\u{0}b"]] }, "jobs[0].outputs[0].lfn 'a?b' holds a NUL or control character"),
            (job { $0["outputs"] = [["lfn": "%2e%2e"]] }, "jobs[0].outputs[0].lfn '%2e%2e' must not hold '%'"),
            (job { $0["outputs"] = [["lfn": "a", "destination": "../DISK"]] }, "jobs[0].outputs[0].destination '../DISK' must not hold '/'"),
            (job { $0["output_dataset"] = "../x" }, "jobs[0].output_dataset '../x' must not hold '/'"),
            (job { $0["queue"] = "Q1\u{1b}" }, "jobs[0].queue 'Q1?' holds a NUL or control character"),
            (job { $0["inputs"] = [["lfn": "in", "replicas": [["storage": "DISK", "url": outside]]]] },
             "jobs[0].inputs[0].replicas[0].url '\(outside)' is not under DISK's base file:///tmp/panda-test-storage"),
            (job { $0["inputs"] = [["lfn": "in", "replicas": [["storage": "DISK", "url": "https://evil.example/tmp/panda-test-storage/in"]]]] },
             "is not under DISK's base"),
            (job { $0["inputs"] = [["lfn": "in", "replicas": [["storage": "NOPE", "url": "/tmp/panda-test-storage/in"]]]] },
             "jobs[0].inputs[0].replicas[0]: storage endpoint 'NOPE' is not configured (known: DISK)"),
        ]
        for (job, message) in cases {
            SafetyChecks.expectRefused(try await server.post("/api/v1/job/submit", token: alice, json: ["jobs": [job]]), 400, containing: message)
        }
        #expect(try await SafetyChecks.jobs(server, token: reader).isEmpty)
        #expect(try await SafetyChecks.catalogue(server, token: reader).isEmpty)
    }

    @Test("dataset/add_files and task/submit use the same validator: 400, and the catalogue stays empty")
    func catalogueAndTaskNames() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let reader = try server.token("monitor", scope: "read")
        func add(dataset: String = "user.alice.d", scope: String = "user.alice", lfn: String = "f",
                 url: String = "/tmp/panda-test-storage/user.alice/f") async throws -> ServerProcess.Reply {
            try await server.post("/api/v1/dataset/add_files", token: alice, json: [
                "dataset": dataset, "files": [["scope": scope, "lfn": lfn, "size": 1, "replicas": [["storage": "DISK", "url": url]]]],
            ])
        }
        SafetyChecks.expectRefused(try await add(scope: "../.."), 400, containing: "files[0].scope '../..' must not hold '/' or '\\'")
        SafetyChecks.expectRefused(try await add(lfn: "../f"), 400, containing: "files[0].lfn '../f' must not hold '/'")
        SafetyChecks.expectRefused(try await add(dataset: "a/b"), 400, containing: "dataset 'a/b' must not hold '/'")
        SafetyChecks.expectRefused(try await add(url: "/tmp/panda-test-storage/../etc/passwd"), 400, containing: "is not under DISK's base")
        SafetyChecks.expectRefused(try await add(url: "/tmp/panda-test-storage-other/f"), 400, containing: "is not under DISK's base")
        let task = { (key: String, value: String) -> [String: Any] in
            var task: [String: Any] = ["n_jobs": 1, "payload": ["executable": "/bin/true"]]
            task[key] = value
            return ["task": task]
        }
        SafetyChecks.expectRefused(try await server.post("/api/v1/task/submit", token: alice, json: task("scope", "../..")), 400,
                                   containing: "scope '../..' must not hold '/' or '\\'")
        SafetyChecks.expectRefused(try await server.post("/api/v1/task/submit", token: alice, json: task("out_ds", "x/../y")), 400,
                                   containing: "output dataset 'x/../y' must not hold '/'")
        #expect(try await SafetyChecks.catalogue(server, token: reader).isEmpty)
        #expect(try await server.get("/api/v1/tasks", token: reader).decode([TaskStatus].self).isEmpty)
    }

    @Test("acquire_jobs, recover_job and report_node refuse a node or pilot id that is not name-like: 400, nothing handed out")
    func workerNames() async throws {
        let server = try ServerProcess()
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let pilot = try server.token("pilot", scope: "pilot", queues: ["Q1"])
        #expect(try await server.post("/api/v1/job/submit", token: alice, json: ["jobs": [jobJSON(queue: "Q1")]]).status == 200)
        let message = "must be at most 256 printable characters"
        for (field, value) in [("node", "n\u{0}1"), ("node", "n\n1"), ("node", String(repeating: "n", count: 257)), ("pilot", "p\u{1b}[2J")] {
            var acquire = acquireJSON(queue: "Q1")
            acquire[field] = value
            SafetyChecks.expectRefused(try await server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: acquire), 400,
                                       containing: "\(field) \(message)")
            var recover: [String: Any] = ["job_id": 1, "attempt": 1, "lease": "0123456789abcdef", "queue": "Q1", "node": "n"]
            recover[field] = value
            SafetyChecks.expectRefused(try await server.post("/api/v1/pilot/recover_job", token: pilot, json: recover), 400,
                                       containing: "\(field) \(message)")
        }
        SafetyChecks.expectRefused(try await server.post("/api/v1/pilot/report_node", token: pilot,
                                                         json: ["queue": "Q1", "node": "n\u{0}", "error_code": 1, "diagnostic": "d"]), 400,
                                   containing: "node \(message)")
        let job = try #require(try await server.acquire(token: pilot, queue: "Q1"), "the job is still there for a pilot that names itself")
        #expect(job.attempt == 1)
    }
}
