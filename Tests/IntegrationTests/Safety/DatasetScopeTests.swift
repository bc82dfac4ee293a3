import Foundation
import PandaCore
import Testing

/// Issue 21, item 13: a dataset's name puts it in a scope (`user.alice.…`
/// is in `user.alice`), and only who may write in that scope may make it,
/// as with files; so no one can take another user's dataset name first.
@Suite("dataset names are owned by their scope")
struct DatasetScopeTests {
    static func server(_ database: String) throws -> (ServerProcess, disk: String) {
        let directory = NSTemporaryDirectory() + "panda-dsscope-se-\(UUID().uuidString.prefix(8))"
        let url = try database == "postgres" ? ServerProcess.postgresDatabase() : "sqlite:state/panda.db"
        return (try ServerProcess(server: "scopes: { group.phys: [alice] }", queues: """
            sites:
              SITE:
                storage: { DISK: { url: \(directory) } }
                queues:
                  Q1: { read_from: [DISK], write_to: DISK, copytools: [cp], maxrss: 8GB }
            """, database: url), directory)
    }

    @Test("Bob cannot make user.alice.results or group.phys.skim (task, job or add_files): 403, nothing made; Alice then can",
          arguments: ["sqlite", "postgres"])
    func names(database: String) async throws {
        let (server, disk) = try Self.server(database)
        defer { server.cleanUp() }
        let alice = try server.token("alice", scope: "submit")
        let bob = try server.token("bob", scope: "submit")
        let reader = try server.token("monitor", scope: "read")
        func task(_ dataset: String) -> [String: Any] {
            ["task": ["n_jobs": 1, "queue": "Q1", "payload": ["executable": "/bin/true"], "out_ds": dataset]]
        }
        func job(_ dataset: String) -> [String: Any] {
            var job = jobJSON(queue: "Q1")
            job["output_dataset"] = dataset
            return ["jobs": [job]]
        }
        for dataset in ["user.alice.results", "group.phys.skim", "user.alice"] {
            SafetyChecks.expectRefused(try await server.post("/api/v1/task/submit", token: bob, json: task(dataset)), 403,
                                       containing: "out_ds '\(dataset)' is in scope")
            SafetyChecks.expectRefused(try await server.post("/api/v1/job/submit", token: bob, json: job(dataset)), 403,
                                       containing: "jobs[0].output_dataset '\(dataset)' is in scope")
            let file: [String: Any] = ["scope": "user.bob", "lfn": "b-\(dataset).txt", "size": 1, "checksum": "ad:00000001",
                                       "replicas": [["storage": "DISK", "url": "file://\(disk)/user.bob/b.txt"]]]
            SafetyChecks.expectRefused(try await server.post("/api/v1/dataset/add_files", token: bob, json: ["dataset": dataset, "files": [file]]),
                                       403, containing: "dataset '\(dataset)' is in scope")
        }
        #expect(try await SafetyChecks.catalogue(server, token: reader).isEmpty)
        #expect(try await SafetyChecks.jobs(server, token: reader).isEmpty)

        // Alice may, in her scope and the one granted her; Bob in his own and in names of no scope.
        for (token, dataset) in [(alice, "user.alice.results"), (alice, "group.phys.skim"), (bob, "user.bob.results"), (bob, "raw")] {
            let reply = try await server.post("/api/v1/task/submit", token: token, json: task(dataset))
            #expect(reply.status == 200, "\(dataset): \(reply.message)")
        }
    }
}
