import Foundation
import PandaCore
import Testing

/// A task over a dataset that unfinished jobs still fill is never split
/// over the part that exists so far and then reported `done`.
@Suite("client: a task over a dataset still being filled", .serialized)
struct ClientChainWaitTests {
    @Test("while the parent has 1 of 2 jobs finished, a child over its outputs is refused, naming it; once it has ended, the child takes every output")
    func childOfRunningParent() async throws {
        let server = try ClientTaskTests.server()
        defer { server.cleanUp() }
        let alice = try ClientUser("alice", server: server)
        try ClientTaskTests.dataset(alice, "user.alice.raw", count: 2)
        let parent = try alice.panda(["submit", "--exec", "sh -c 'wc -l %IN > %OUT'", "--in-ds", "user.alice.raw",
                                      "--out-ds", "user.alice.counts", "--queue", "Q1"])
        let task = try #require(ClientUser.taskID(in: parent.stdout), "\(parent.stderr)")

        // The first job finishes with its output registered; the second is still running.
        let pilot = try server.token("p", scope: "pilot", queues: ["Q1"])
        let jobs = try await server.post("/api/v1/pilot/acquire_jobs", token: pilot, json: acquireJSON(n: 2)).decode(AcquireResult.self).jobs
        try #require(jobs.count == 2)
        let endpoints = try await server.get("/api/v1/storage", token: alice.token).data as? [[String: Any]] ?? []
        let disk = try #require(endpoints.first { $0["name"] as? String == "DISK" }?["url"] as? String)
        func finish(_ job: DispatchedJob) async throws {
            let lfn = try #require(job.spec.outputs.first?.lfn)
            let output = StoredFile(lfn: lfn, size: 2, checksum: "ad:00950064", url: "\(disk)/user.alice/\(lfn)", isLog: false,
                                    storage: "DISK", scope: "user.alice")
            let reply = try await server.post("/api/v1/pilot/update_job", token: pilot,
                                              JobUpdate(jobID: job.id, attempt: 1, lease: job.lease, state: .finished, exitCode: 0, outputs: [output]))
            #expect(reply.status == 200, "\(reply.message)")
        }
        try await finish(jobs[0])
        #expect(try alice.json(DatasetContents.self, ["dataset", "ls", "user.alice.counts"]).files.count == 1)

        let early = try alice.panda(["submit", "--exec", "sum.sh %IN", "--in-ds", "user.alice.counts", "--out-ds", "user.alice.total",
                                     "--files-per-job", "10", "--queue", "Q1"])
        #expect(early.status != 0, "\(early.stdout)")
        #expect(early.stderr.contains("input dataset user.alice.counts is still being filled by task \(task) (1 job not ended)"), "\(early.stderr)")
        #expect(early.stderr.contains("panda watch \(task)"), "\(early.stderr)")
        #expect(try alice.json([TaskStatus].self, ["tasks"]).map(\.id) == [task], "no child task was made")

        try await finish(jobs[1])
        let late = try alice.panda(["submit", "--exec", "sum.sh %IN", "--in-ds", "user.alice.counts", "--out-ds", "user.alice.total",
                                    "--files-per-job", "10", "--queue", "Q1"])
        #expect(late.status == 0, "\(late.stderr)")
        let child = try #require(ClientUser.taskID(in: late.stdout), "\(late.stdout)")
        let job = try #require(try alice.json([JobStatus].self, ["jobs", "--task", String(child)]).first)
        #expect(try alice.json(JobDescription.self, ["show", String(job.id)]).spec.inputs.count == 2, "both of the parent's outputs")
    }
}
