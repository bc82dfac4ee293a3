import Foundation
import PandaCore
import Testing
@testable import PandaStore

/// Each attempt's record starts clean; the outcomes of earlier attempts are
/// kept beside it.
@Suite("store: per-attempt records")
struct AttemptRecordTests {
    let now = 1_000_000.0

    static func log(_ attempt: Int) -> StoredFile {
        StoredFile(lfn: "job.log.\(attempt).tgz", size: 10, checksum: "ad:00000001", url: "file:///tmp/log\(attempt).tgz", isLog: true)
    }

    @Test("a retried attempt starts without the last one's exit code, figures, outputs, timings or error, which stay with attempt 1", arguments: StoreBackend.all)
    func retriedAttemptStartsClean(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job(maxAttempts: 2)], now: now)
        let first = try #require(try await fixture.store.claim(StoreFixture.pilot(), now: now).first)
        let timings = StepTimings(setup: 1, stageIn: 2, payload: 3, stageOut: 4)
        let failure = JobUpdate(jobID: first.id, attempt: 1, lease: first.lease, state: .failed, exitCode: 3, errorCode: 1099,
                                errorDiag: "no input", cpuSeconds: 7.5, maxRSS: .megabytes(300), outputs: [Self.log(1)], timings: timings)
        #expect(try await fixture.store.update(failure, now: now + 10).state == .activated)

        var job = try #require(try await fixture.store.describe(first.id, owner: nil))
        #expect(job.status.attempt == 2)
        #expect(job.exitCode == nil && job.cpuSeconds == nil && job.maxRSS == nil && job.timings == nil)
        #expect(job.outputs.isEmpty)
        #expect(job.status.errorCode == nil && job.status.errorDiag == nil)
        #expect(job.attempts.map(\.attempt) == [1, 2])
        let kept = job.attempts[0]
        #expect(kept.state == .failed)
        #expect(kept.exitCode == 3 && kept.errorCode == 1099 && kept.errorDiag == "no input")
        #expect(kept.cpuSeconds == 7.5 && kept.maxRSS == .megabytes(300) && kept.timings == timings)
        #expect(kept.outputs == [Self.log(1)])
        #expect(kept.node == "node1")
        #expect(kept.endedAt == now + 10)

        let second = try #require(try await fixture.store.claim(StoreFixture.pilot(), now: now + 20).first)
        _ = try await fixture.store.update(JobUpdate(jobID: second.id, attempt: 2, lease: second.lease, state: .running), now: now + 21)
        job = try #require(try await fixture.store.describe(first.id, owner: nil))
        #expect(job.exitCode == nil, "a heartbeat of attempt 2 does not bring attempt 1's figures back")
        let finished = JobUpdate(jobID: second.id, attempt: 2, lease: second.lease, state: .finished, exitCode: 0, cpuSeconds: 1,
                                 outputs: [Self.log(2)])
        _ = try await fixture.store.update(finished, now: now + 30)
        job = try #require(try await fixture.store.describe(first.id, owner: nil))
        #expect(job.attempts.map(\.state) == [.failed, .finished])
        #expect(job.attempts.map(\.exitCode) == [3, 0])
        #expect(job.outputs == [Self.log(2)])
        #expect(job.attempts[1].endedAt == now + 30)
        await fixture.close()
    }

    @Test("after its owner's retry, the earlier attempt ended when it failed, not when it was retried", arguments: StoreBackend.all)
    func retryKeepsEndTime(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        var jobs = CatalogueAndTaskTests.taskJobs(1, dataset: "out")
        jobs[0].maxAttempts = 1
        let task = NewTask(spec: TaskSpec(outputDataset: "out", payload: Payload(executable: "/bin/true")), owner: "alice")
        let id = try await fixture.store.submitTask(task, jobs: jobs, now: now)
        let claimed = try #require(try await fixture.store.claim(StoreFixture.pilot(), now: now + 1).first)
        let failure = JobUpdate(jobID: claimed.id, attempt: 1, lease: claimed.lease, state: .failed, exitCode: 1, errorCode: 1305)
        #expect(try await fixture.store.update(failure, now: now + 10).state == .failed)
        #expect(try await fixture.store.retryTask(id, owner: "alice", now: now + 3600) { _ in nil }?.retried == 1)
        let job = try #require(try await fixture.store.describe(claimed.id, owner: nil))
        #expect(job.attempts.map(\.attempt) == [1, 2])
        #expect(job.attempts[0].state == .failed)
        #expect(job.attempts[0].endedAt == now + 10, "ended when it failed: \(String(describing: job.attempts[0].endedAt))")
        #expect(job.attempts[1].endedAt == nil, "the new attempt has not ended")
        await fixture.close()
    }
}
