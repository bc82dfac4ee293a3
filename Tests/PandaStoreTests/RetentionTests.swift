import Foundation
import PandaCore
import Testing
@testable import PandaStore

/// `server.retention`: ended jobs past their age go, with what is only
/// about them; everything else, and the monitor's figures, stay.
@Suite("store: retention of ended jobs")
struct RetentionTests {
    let now = 1_000_000.0

    static func log(_ name: String) -> StoredFile {
        StoredFile(lfn: name, size: 10, checksum: "ad:00000001", url: "https://se.example/user.alice/\(name)", isLog: true,
                   storage: "SE", scope: "user.alice")
    }

    /// Claims the next job of queue Q and reports `state` for it at `at`.
    static func end(_ store: any JobStore, _ state: JobState, outputs: [StoredFile] = [], at: Double) async throws -> ClaimedJob {
        let job = try #require(try await store.claim(StoreFixture.pilot(), now: at).first)
        _ = try await store.update(JobUpdate(jobID: job.id, attempt: job.attempt, lease: job.lease, state: state,
                                             exitCode: state == .finished ? 0 : 1, errorCode: state == .failed ? 1099 : nil,
                                             outputs: outputs), now: at)
        return job
    }

    @Test("ended jobs past the cutoff go with their history and attempts; younger, unended and catalogued things stay; counts follow",
          arguments: StoreBackend.all)
    func prunesEndedJobs(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let store = fixture.store
        let ids = try await store.submit([StoreFixture.job("retried", maxAttempts: 2), StoreFixture.job("killed"),
                                          StoreFixture.job("running"), StoreFixture.job("late")], now: now).map(\.id)
        // Job 1: attempt 1 fails leaving a log tarball, attempt 2 finishes with one a dataset lists.
        #expect(try await Self.end(store, .failed, outputs: [Self.log("retried.1.log.tgz")], at: now + 1).id == ids[0])
        _ = try await store.kill([ids[1]], owner: nil, now: now + 2)
        #expect(try await Self.end(store, .finished, outputs: [Self.log("retried.2.log.tgz")], at: now + 3).id == ids[0])
        let catalogued = DatasetFile(scope: "user.alice", lfn: "retried.2.log.tgz", size: 10, checksum: "ad:00000001", isLog: true,
                                     replicas: [Replica(storage: "SE", url: "https://se.example/user.alice/retried.2.log.tgz")])
        _ = try await store.addFiles(AddFilesRequest(dataset: "user.alice.logs", files: [catalogued]), owner: "alice", now: now + 3)
        let running = try #require(try await store.claim(StoreFixture.pilot(), now: now + 4).first)
        _ = try await store.update(JobUpdate(jobID: running.id, attempt: 1, lease: running.lease, state: .running), now: now + 4)
        #expect(try await Self.end(store, .finished, at: now + 5_000).id == ids[3])
        _ = try await store.sampleStats(now: now + 6_000)
        let endedAttempts = try await fixture.count("SELECT CAST(coalesce(sum(n), 0) AS INTEGER) FROM stats_attempts")
        #expect(endedAttempts == 4)
        let before = try await store.summary()

        let cutoff = now + 1_000
        let due = try await store.prunable(endedBefore: cutoff, after: 0, limit: 100)
        #expect(due == [PrunableJob(id: ids[0], logs: ["https://se.example/user.alice/retried.1.log.tgz"]), PrunableJob(id: ids[1], logs: [])],
                "the catalogued tarball is the dataset's, not the job's")
        #expect(try await store.prunable(endedBefore: cutoff, after: ids[0], limit: 100).map(\.id) == [ids[1]])
        #expect(try await store.prunable(endedBefore: cutoff, after: 0, limit: 1).map(\.id) == [ids[0]])

        let removed = try await store.prune(ids, endedBefore: cutoff)
        #expect(removed.jobs == 2, "the running job and the one that ended after the cutoff stay")
        #expect(try await store.describe(ids[0], owner: nil) == nil)
        #expect(try await store.describe(ids[1], owner: nil) == nil)
        #expect(try await store.describe(ids[2], owner: nil)?.status.state == .running)
        #expect(try await store.describe(ids[3], owner: nil)?.status.state == .finished)
        for table in ["job_events", "job_attempts"] {
            #expect(try await fixture.count("SELECT count(*) FROM \(table) WHERE job_id IN (\(ids[0]), \(ids[1]))") == 0, "\(table)")
        }
        #expect(try await fixture.count("SELECT count(*) FROM job_events WHERE job_id = \(ids[3])") > 0)

        let after = try await store.summary()
        #expect(after.total(.finished) == before.total(.finished) - 1)
        #expect(after.total(.cancelled) == before.total(.cancelled) - 1)
        #expect(after.total(.running) == before.total(.running))
        #expect(try await store.list(JobFilter(limit: 100)).jobs.count == 2)
        // The hourly counters the charts and error pages read are not the job rows.
        #expect(try await fixture.count("SELECT CAST(coalesce(sum(n), 0) AS INTEGER) FROM stats_attempts") == endedAttempts)
        #expect(try await store.dataset(named: "user.alice.logs")?.files.count == 1)
        #expect(try await store.prunable(endedBefore: cutoff, after: 0, limit: 100).isEmpty)
        await fixture.close()
    }

    @Test("a task's jobs go only together, once every one ended before the cutoff, and the task with them", arguments: StoreBackend.all)
    func prunesWholeTasks(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let store = fixture.store
        let task = NewTask(spec: TaskSpec(outputDataset: "user.alice.out", payload: Payload(executable: "/bin/true")), owner: "alice")
        let jobs = (1...2).map { index in
            var job = StoreFixture.job("t#\(index)", maxAttempts: 1)
            job.spec.outputDataset = "user.alice.out"
            return job
        }
        let taskID = try await store.submitTask(task, jobs: jobs, now: now)
        _ = try await Self.end(store, .finished, at: now + 1)
        #expect(try await store.prunable(endedBefore: now + 1_000, after: 0, limit: 100).isEmpty, "its sibling has not ended")
        _ = try await Self.end(store, .failed, at: now + 2_000)
        #expect(try await store.prunable(endedBefore: now + 1_000, after: 0, limit: 100).isEmpty, "its sibling ended after the cutoff")

        let due = try await store.prunable(endedBefore: now + 3_000, after: 0, limit: 100)
        #expect(due.count == 2)
        let removed = try await store.prune(due.map(\.id), endedBefore: now + 3_000)
        #expect(removed.jobs == 2 && removed.tasks == 1)
        #expect(try await store.taskStatus(taskID, owner: nil) == nil)
        await fixture.close()
    }

    @Test("a pass removes the log tarballs first and keeps a job whose tarball could not be removed", arguments: StoreBackend.all)
    func passKeepsJobsWithStuckLogs(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let store = fixture.store
        let ids = try await store.submit(["a", "b", "c"].map { StoreFixture.job($0, maxAttempts: 1) }, now: now).map(\.id)
        for name in ["a", "b", "c"] { _ = try await Self.end(store, .failed, outputs: [Self.log("\(name).log.tgz")], at: now) }
        let stuck = "https://se.example/user.alice/b.log.tgz"
        let removed = RemovedURLs()
        let pass = RetentionRun(store: store, batch: 2) { url in
            if url == stuck { throw StoreError.conflict("the endpoint refused") }
            await removed.add(url)
        }
        let dry = try await pass.run(endedBefore: now + 10, dryRun: true)
        #expect(dry.jobs == 3 && dry.logs == 3)
        #expect(await removed.urls.isEmpty, "a dry run removes nothing")
        #expect(try await store.list(JobFilter(limit: 100)).jobs.count == 3)

        let report = try await pass.run(endedBefore: now + 10, dryRun: false)
        #expect(report.jobs == 2 && report.logs == 2)
        #expect(report.failures.count == 1 && report.failures[0].contains(stuck))
        #expect(await removed.urls == ["https://se.example/user.alice/a.log.tgz", "https://se.example/user.alice/c.log.tgz"])
        #expect(try await store.list(JobFilter(limit: 100)).jobs.map(\.id) == [ids[1]], "the job still names its tarball")
        await fixture.close()
    }
}

actor RemovedURLs {
    private(set) var urls: [String] = []
    func add(_ url: String) { urls.append(url) }
}
