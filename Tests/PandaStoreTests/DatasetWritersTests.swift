import Foundation
import PandaCore
import Testing
@testable import PandaStore

/// Which jobs are still filling a dataset, so that a task over it is not
/// split over the part that exists so far.
@Suite("store: the jobs still filling a dataset")
struct DatasetWritersTests {
    let now = 1_800_000_000.0

    @Test("jobs not ended count as writers of their output dataset, by task; once they end, none", arguments: StoreBackend.all)
    func writersUntilEnded(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        var spec = TaskSpec(payload: Payload(executable: "/bin/true"))
        spec.outputDataset = "user.alice.out"
        let jobs = (0..<2).map { index -> NewJob in
            var job = StoreFixture.job("w\(index)", owner: "alice")
            job.spec.outputDataset = "user.alice.out"
            return job
        }
        let task = try await fixture.store.submitTask(NewTask(spec: spec, owner: "alice"), jobs: jobs, now: now)
        var loose = StoreFixture.job("loose", owner: "alice")
        loose.spec.outputDataset = "user.alice.out"
        _ = try await fixture.store.submit([loose], now: now)
        #expect(try await fixture.store.unendedWriters(ofDataset: "user.alice.out")
                == [DatasetWriters(taskID: nil, jobs: 1), DatasetWriters(taskID: task, jobs: 2)])
        #expect(try await fixture.store.unendedWriters(ofDataset: "user.alice.other").isEmpty)

        let claimed = try await fixture.store.claim(StoreFixture.pilot(limit: 3), now: now + 1)
        #expect(claimed.count == 3)
        for job in claimed {
            _ = try await fixture.store.update(JobUpdate(jobID: job.id, attempt: 1, lease: job.lease, state: .running), now: now + 2)
        }
        #expect(try await fixture.store.unendedWriters(ofDataset: "user.alice.out").map(\.jobs).reduce(0, +) == 3, "running jobs still write")
        for job in claimed {
            _ = try await fixture.store.update(JobUpdate(jobID: job.id, attempt: 1, lease: job.lease, state: .finished, exitCode: 0), now: now + 3)
        }
        #expect(try await fixture.store.unendedWriters(ofDataset: "user.alice.out").isEmpty)
        await fixture.close()
    }
}
