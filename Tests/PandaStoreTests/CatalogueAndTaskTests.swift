import Foundation
import PandaCore
import Testing
@testable import PandaStore

@Suite("store: tasks and the file catalogue")
struct CatalogueAndTaskTests {
    let now = 1_800_000_000.0

    static func file(_ lfn: String, size: Int64 = 10, checksum: String = "ad:00000001", storage: String = "SE") -> DatasetFile {
        DatasetFile(scope: "user.alice", lfn: lfn, size: size, checksum: checksum,
                    replicas: [Replica(storage: storage, url: "https://\(storage.lowercased())/\(lfn)")])
    }

    static func taskJobs(_ count: Int, dataset: String) -> [NewJob] {
        (1...count).map { index in
            var job = StoreFixture.job("t#\(index)")
            job.spec.outputDataset = dataset
            let stem = "\(dataset)._\(String(format: "%06d", index))"
            job.spec.outputs = [OutputFile(lfn: stem + ".out", scope: "user.alice")]
            job.spec.log = OutputFile(lfn: stem + ".log.tgz", scope: "user.alice")
            return job
        }
    }

    @Test("files join datasets once; new replicas merge; a different checksum or another's dataset is refused", arguments: StoreBackend.all)
    func catalogue(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        var result = try await fixture.store.addFiles(AddFilesRequest(dataset: "raw", files: [Self.file("a"), Self.file("b")]), owner: "alice", now: now)
        #expect(result == AddFilesResult(dataset: "raw", added: 2, present: 0, files: 2))
        result = try await fixture.store.addFiles(AddFilesRequest(dataset: "raw", files: [Self.file("a", storage: "SE2")]), owner: "alice", now: now)
        #expect(result == AddFilesResult(dataset: "raw", added: 0, present: 1, files: 2))
        let contents = try #require(try await fixture.store.dataset(named: "raw"))
        #expect(contents.files.map(\.lfn) == ["a", "b"])
        #expect(contents.files[0].replicas.map(\.storage) == ["SE", "SE2"])
        await #expect(throws: StoreError.conflict("user.alice:a is registered with size 10 and checksum ad:00000001, not 10 and ad:00000002; a registered file never changes")) {
            _ = try await fixture.store.addFiles(AddFilesRequest(dataset: "raw", files: [Self.file("a", checksum: "ad:00000002")]), owner: "alice", now: now)
        }
        await #expect(throws: StoreError.forbidden("dataset raw belongs to alice")) {
            _ = try await fixture.store.addFiles(AddFilesRequest(dataset: "raw", files: [Self.file("c")]), owner: "bob", now: now)
        }
        #expect(try await fixture.store.datasets() == [DatasetSummary(name: "raw", owner: "alice", files: 2, bytes: 20, createdAt: now)])
        #expect(try await fixture.store.owner(ofDataset: "raw") == "alice")
        await fixture.close()
    }

    @Test("a task and its jobs are stored together; its state, kill and retry (brokered again) follow its jobs", arguments: StoreBackend.all)
    func taskLifecycle(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let task = NewTask(spec: TaskSpec(outputDataset: "out", payload: Payload(executable: "/bin/true")), owner: "alice")
        let id = try await fixture.store.submitTask(task, jobs: Self.taskJobs(3, dataset: "out"), now: now)
        var status = try #require(try await fixture.store.taskStatus(id, owner: "alice"))
        #expect(status.state == .running && status.jobs == 3 && status.count(.activated) == 3)
        #expect(try await fixture.store.taskStatus(id, owner: "bob") == nil)
        #expect(try await fixture.store.owner(ofDataset: "out") == "alice")
        await #expect(throws: StoreError.conflict("dataset out already exists; give the task a new output dataset")) {
            _ = try await fixture.store.submitTask(task, jobs: Self.taskJobs(1, dataset: "out"), now: now)
        }

        // One job runs and finishes with an output: it joins the output dataset.
        let claimed = try #require(try await fixture.store.claim(StoreFixture.pilot(), now: now + 1).first)
        let stored = [StoredFile(lfn: "out._000001.out", size: 5, checksum: "ad:00000005", url: "https://se/out1", storage: "SE", scope: "user.alice"),
                      StoredFile(lfn: "out._000001.log.tgz", size: 7, checksum: "ad:00000007", url: "https://se/log1", isLog: true,
                                 storage: "SE", scope: "user.alice")]
        _ = try await fixture.store.update(JobUpdate(jobID: claimed.id, attempt: 1, lease: claimed.lease, state: .finished,
                                                     exitCode: 0, outputs: stored), now: now + 2)
        let outputs = try #require(try await fixture.store.dataset(named: "out"))
        #expect(outputs.files.map(\.lfn) == ["out._000001.log.tgz", "out._000001.out"])
        #expect(outputs.files.map(\.isLog) == [true, false])
        #expect(outputs.files[1].replicas == [Replica(storage: "SE", url: "https://se/out1")])

        #expect(try await fixture.store.killTask(id, owner: "bob", now: now + 3) == nil)
        let killed = try #require(try await fixture.store.killTask(id, owner: "alice", now: now + 3))
        #expect(killed == TaskKillResult(taskID: id, cancelled: 2, killRequested: 0, alreadyFinal: 1))
        status = try #require(try await fixture.store.taskStatus(id, owner: nil))
        #expect(status.state == .partiallyDone)
        #expect(status.failures == [TaskFailure(errorCode: ErrorCode.killedByUser.number, errorDiag: ErrorCode.killedByUser.text, jobs: 2,
                                                exampleJob: claimed.id + 1)])

        let retried = try #require(try await fixture.store.retryTask(id, owner: "alice", now: now + 4) { _ in "Q2" })
        #expect(retried.retried == 2)
        status = try #require(try await fixture.store.taskStatus(id, owner: nil))
        #expect(status.state == .running && status.count(.activated) == 2 && status.count(.finished) == 1)
        let again = try #require(try await fixture.store.describe(claimed.id + 1, owner: nil))
        #expect(again.status.attempt == 2 && again.status.maxAttempts == 3)
        #expect(again.history.map(\.state) == [.activated, .cancelled, .activated])
        #expect(again.status.queue == "Q2", "brokered again")
        let summary = try await fixture.store.summary()
        #expect(summary.count(queue: "Q2", state: .activated) == 2)
        #expect(summary.count(queue: "Q", state: .cancelled) == 0 && summary.count(queue: "Q", state: .activated) == 0)
        #expect(try await fixture.store.tasks(owner: "alice", limit: 10).map(\.id) == [id])
        await fixture.close()
    }

    @Test("a submission sent again with its request id returns the task it made, and stores nothing more", arguments: StoreBackend.all)
    func requestIDs(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let task = NewTask(spec: TaskSpec(outputDataset: "out", payload: Payload(executable: "/bin/true")), owner: "alice", requestID: "r1")
        let first = try await fixture.store.submitTask(task, jobs: Self.taskJobs(2, dataset: "out"), now: now)
        let again = try await fixture.store.submitTask(task, jobs: Self.taskJobs(2, dataset: "out"), now: now + 1)
        #expect(again == first)
        #expect(try await fixture.store.task(owner: "alice", requestID: "r1")?.queues == ["Q": 2])
        #expect(try await fixture.store.task(owner: "bob", requestID: "r1") == nil)
        #expect(try await fixture.store.summary().count(queue: "Q", state: .activated) == 2)
        await fixture.close()
    }
}
