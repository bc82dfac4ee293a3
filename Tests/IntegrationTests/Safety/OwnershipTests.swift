import Foundation
import PandaCore
import Testing

/// Issue 11, classes 3 and 4: scopes, files, datasets and tasks are owned,
/// as Rucio has them. Two users, two queues writing to two endpoints.
@Suite("ownership: scopes, files, replicas, datasets and tasks belong to someone")
struct OwnershipTests {
    static func server() throws -> (ServerProcess, disk: String, other: String) {
        let directory = NSTemporaryDirectory() + "panda-owned-se-\(UUID().uuidString.prefix(8))"
        let server = try ServerProcess(server: "scopes: { group.phys: [alice] }", queues: """
            sites:
              SITE:
                storage:
                  DISK: { url: \(directory)/disk }
                  OTHER: { url: \(directory)/other }
                queues:
                  Q1: { read_from: [DISK], write_to: DISK, copytools: [cp], maxrss: 8GB }
                  Q2: { read_from: [OTHER], write_to: OTHER, copytools: [cp], maxrss: 8GB }
            """)
        return (server, "\(directory)/disk", "\(directory)/other")
    }

    static func file(_ lfn: String, scope: String = "user.alice", at base: String, storage: String = "DISK",
                     size: Int = 10, checksum: String = "ad:0000000a") -> [String: Any] {
        ["scope": scope, "lfn": lfn, "size": size, "checksum": checksum, "replicas": [["storage": storage, "url": "file://\(base)/\(scope)/\(lfn)"]]]
    }

    static func writing(_ scope: String?, lfn: String = "out.txt", queue: String? = "Q1", destination: String? = nil) -> [String: Any] {
        var output: [String: Any] = ["lfn": lfn]
        if let scope { output["scope"] = scope }
        if let destination { output["destination"] = destination }
        var job = jobJSON(queue: queue)
        job["outputs"] = [output]
        return job
    }

    @Test("a user writes only in user.NAME and granted scopes, an operator anywhere; others get 403 and nothing is stored")
    func scopes() async throws {
        let (server, _, _) = try Self.server()
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let bob = try server.token("bob", scope: "submit")
        let admin = try server.token("ops", scope: "admin")
        let reader = try server.token("monitor", scope: "read")
        let submit = "/api/v1/job/submit"
        SafetyChecks.expectRefused(try await server.post(submit, token: alice, json: ["jobs": [Self.writing("user.bob")]]), 403,
                                   containing: "jobs[0].outputs[0].scope 'user.bob' is not yours: alice writes in user.alice and in scopes granted in server.scopes")
        SafetyChecks.expectRefused(try await server.post(submit, token: bob, json: ["jobs": [Self.writing("group.phys")]]), 403,
                                   containing: "'group.phys' is not yours: bob writes in user.bob")
        var logged = jobJSON(queue: "Q1")
        logged["log"] = ["lfn": "job.log.tgz", "scope": "user.bob"]
        SafetyChecks.expectRefused(try await server.post(submit, token: alice, json: ["jobs": [logged]]), 403, containing: "jobs[0].log.scope 'user.bob' is not yours")
        #expect(try await SafetyChecks.jobs(server, token: reader).isEmpty)

        for (token, scope) in [(alice, "user.alice"), (alice, "group.phys"), (admin, "user.bob")] {
            let reply = try await server.post(submit, token: token, json: ["jobs": [Self.writing(scope, lfn: "\(scope).txt")]])
            #expect(reply.status == 200, "\(scope): \(reply.message)")
        }
        // No scope means the submitter's own, never a shared one.
        let unscoped = try await server.post(submit, token: bob, json: ["jobs": [Self.writing(nil)]]).decode(SubmitResult.self).jobs[0].id
        let spec = try await server.post("/api/v1/job/get_description", token: bob, json: ["job_id": unscoped]).decode(JobDescription.self).spec
        #expect(spec.outputs.first?.scope == "user.bob")
    }

    @Test("files: registered only in one's own scopes, never changed (409), replicas only by the scope's owner and under their endpoint")
    func files() async throws {
        let (server, disk, other) = try Self.server()
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let bob = try server.token("bob", scope: "submit")
        let reader = try server.token("monitor", scope: "read")
        let add = "/api/v1/dataset/add_files"
        #expect(try await server.post(add, token: alice, json: ["dataset": "user.alice.raw", "files": [Self.file("a.txt", at: disk)]]).status == 200)
        let catalogue = try await SafetyChecks.catalogue(server, token: reader)

        // Bob's replica of alice's file, same size and adler32, at a URL he controls, in his dataset.
        let replica = Self.file("a.txt", at: other, storage: "OTHER")
        SafetyChecks.expectRefused(try await server.post(add, token: bob, json: ["dataset": "user.bob.mine", "files": [replica]]), 403,
                                   containing: "files[0].scope 'user.alice' is not yours: bob writes in user.bob")
        SafetyChecks.expectRefused(try await server.post(add, token: bob, json: ["dataset": "user.alice.raw", "files": [Self.file("b.txt", scope: "user.bob", at: disk)]]),
                                   403, containing: "dataset 'user.alice.raw' is in scope user.alice, which is not yours: bob writes in user.bob")
        // Alice herself cannot change what is registered.
        SafetyChecks.expectRefused(try await server.post(add, token: alice, json: ["dataset": "user.alice.raw", "files": [Self.file("a.txt", at: disk, size: 11)]]),
                                   409, containing: "user.alice:a.txt is registered with size 10 and checksum ad:0000000a, not 11 and ad:0000000a")
        SafetyChecks.expectRefused(try await server.post(add, token: alice, json: ["dataset": "user.alice.raw", "files": [Self.file("a.txt", at: disk, checksum: "ad:0000000b")]]),
                                   409, containing: "a registered file never changes")
        // A replica must lie under its endpoint's base.
        var astray = Self.file("c.txt", at: disk)
        astray["replicas"] = [["storage": "DISK", "url": "file://\(other)/user.alice/c.txt"]]
        SafetyChecks.expectRefused(try await server.post(add, token: alice, json: ["dataset": "user.alice.raw", "files": [astray]]), 400,
                                   containing: "files[0].replicas[0].url 'file://\(other)/user.alice/c.txt' is not under DISK's base file://\(disk)")
        // A job's output never overwrites a registered file.
        SafetyChecks.expectRefused(try await server.post("/api/v1/job/submit", token: alice, json: ["jobs": [Self.writing("user.alice", lfn: "a.txt")]]), 409,
                                   containing: "user.alice:a.txt is already registered")
        #expect(try await SafetyChecks.catalogue(server, token: reader) == catalogue)
        #expect(try await SafetyChecks.jobs(server, token: reader).isEmpty)
    }

    @Test("a job's outputs go only to its queue's write_to: another destination is refused, or brokered to the queue that writes there")
    func destinations() async throws {
        let (server, _, _) = try Self.server()
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let reader = try server.token("monitor", scope: "read")
        SafetyChecks.expectRefused(try await server.post("/api/v1/job/submit", token: alice, json: ["jobs": [Self.writing("user.alice", destination: "OTHER")]]),
                                   400, containing: "jobs[0]: queue Q1 does not fit: writes to DISK, not OTHER")
        #expect(try await SafetyChecks.jobs(server, token: reader).isEmpty)
        let placed = try await server.post("/api/v1/job/submit", token: alice, json: ["jobs": [Self.writing("user.alice", queue: nil, destination: "OTHER")]])
        #expect(try placed.decode(SubmitResult.self).jobs.map(\.queue) == ["Q2"], "\(placed.message)")
    }

    @Test("a job joins only a task its submitter owns: someone else's or a missing task_id is refused with 403, the task unchanged")
    func tasks() async throws {
        let (server, _, _) = try Self.server()
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let bob = try server.token("bob", scope: "submit")
        let reader = try server.token("monitor", scope: "read")
        let bobsTask = try #require(try await server.post("/api/v1/task/submit", token: bob, json: [
            "task": ["n_jobs": 2, "queue": "Q1", "payload": ["executable": "/bin/true"]],
        ]).decode(TaskSubmitResult.self).taskID)
        let before = try await server.post("/api/v1/task/get_status", token: bob, json: ["task_id": bobsTask]).decode(TaskStatus.self)
        for task in [bobsTask, bobsTask + 1000] {
            var job = jobJSON(queue: "Q1")
            job["task_id"] = task
            SafetyChecks.expectRefused(try await server.post("/api/v1/job/submit", token: alice, json: ["jobs": [job]]), 403,
                                       containing: "task \(task) does not exist or is not yours; a job joins only a task its submitter owns")
        }
        let after = try await server.post("/api/v1/task/get_status", token: bob, json: ["task_id": bobsTask]).decode(TaskStatus.self)
        #expect(after.counts == before.counts && after.jobs == 2)
        #expect(try await SafetyChecks.jobs(server, token: reader).count == 2, "only bob's two jobs")
        // Bob's own job may join his task.
        var own = jobJSON(queue: "Q1")
        own["task_id"] = bobsTask
        #expect(try await server.post("/api/v1/job/submit", token: bob, json: ["jobs": [own]]).status == 200)
        let joined = try await server.post("/api/v1/task/get_status", token: bob, json: ["task_id": bobsTask]).decode(TaskStatus.self)
        #expect(joined.counts["activated"] == 3)
    }
}
