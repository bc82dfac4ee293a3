import Foundation
import PandaCore
import Testing
@testable import PandaStore

/// A pilot acts only on jobs of its queue and, in recovery, only on an
/// attempt whose lease it can show.
@Suite("store: pilots stay in their queue")
struct PilotScopeTests {
    let now = 1_000_000.0

    /// A job of queue Q held by a pilot, reported holding.
    func holdingJob(_ fixture: StoreFixture) async throws -> ClaimedJob {
        _ = try await fixture.store.submit([StoreFixture.job()], now: now)
        let job = try #require(try await fixture.store.claim(StoreFixture.pilot(), now: now).first)
        _ = try await fixture.store.update(JobUpdate(jobID: job.id, attempt: 1, lease: job.lease, state: .holding), now: now + 10)
        return job
    }

    func recovery(_ job: ClaimedJob, lease: String) -> RecoverRequest {
        RecoverRequest(jobID: job.id, attempt: job.attempt, lease: lease, queue: "Q", node: "node2", pilot: "pilot-2")
    }

    @Test("a report on a job of another queue is refused even with the right lease, and changes nothing", arguments: StoreBackend.all)
    func otherQueue(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job()], now: now)
        let job = try #require(try await fixture.store.claim(StoreFixture.pilot(), now: now).first)
        let running = JobUpdate(jobID: job.id, attempt: 1, lease: job.lease, state: .running)
        await #expect(throws: StoreError.self) { try await fixture.store.update(running, queues: ["R"], now: now + 1) }
        let bulk = try await fixture.store.updateMany([running], queues: ["R"], now: now + 1)
        #expect(throws: StoreError.self) { try bulk[0].get() }
        #expect(try await fixture.store.status(of: [job.id], owner: nil).first?.state == .sent)
        #expect(try await fixture.store.update(running, queues: ["Q"], now: now + 2).state == .running)
        await fixture.close()
    }

    @Test("recovery needs a lease the attempt ran under; a guessed id alone is refused", arguments: StoreBackend.all)
    func recoveryNeedsLease(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let job = try await holdingJob(fixture)
        await #expect(throws: StoreError.staleLease(job: job.id, attempt: 1, current: 1)) {
            try await fixture.store.recover(recovery(job, lease: "guessed"), now: now + 20)
        }
        let first = try await fixture.store.recover(recovery(job, lease: job.lease), now: now + 20)
        #expect(first.lease != job.lease)
        // That pilot failed again; the next one still holds the manifest with the original lease.
        let second = try await fixture.store.recover(recovery(job, lease: job.lease), now: now + 30)
        await #expect(throws: StoreError.self, "the lease handed to the first recovery is no longer current") {
            try await fixture.store.update(JobUpdate(jobID: job.id, attempt: 1, lease: first.lease, state: .finished), now: now + 40)
        }
        #expect(try await fixture.store.update(JobUpdate(jobID: job.id, attempt: 1, lease: second.lease, state: .finished), now: now + 40)
            .state == .finished)
        await fixture.close()
    }

    @Test("recovery restarts the holding clock, so the sweeper does not fail a job mid-recovery", arguments: StoreBackend.all)
    func recoveryResetsHoldingClock(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let job = try await holdingJob(fixture)
        let timeouts = SweepTimeouts(sent: .seconds(60), heartbeat: .seconds(60), holding: .seconds(300))
        _ = try await fixture.store.recover(recovery(job, lease: job.lease), now: now + 250)
        #expect(try await fixture.store.sweep(timeouts, now: now + 400) == SweepReport(), "300 s after holding began, 150 s after recovery")
        #expect(try await fixture.store.status(of: [job.id], owner: nil).first?.state == .holding)
        #expect(try await fixture.store.sweep(timeouts, now: now + 600).failed == 1, "and it still times out in the end")
        await fixture.close()
    }

    @Test("a kill asked for while the job waited for recovery cancels it instead of recovering it", arguments: StoreBackend.all)
    func recoveryHonoursKill(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let job = try await holdingJob(fixture)
        #expect(try await fixture.store.kill([job.id], owner: nil, now: now + 20).first?.outcome == .killRequested)
        let result = try await fixture.store.recover(recovery(job, lease: job.lease), now: now + 30)
        #expect(result.command == .kill)
        let status = try #require(try await fixture.store.status(of: [job.id], owner: nil).first)
        #expect(status.state == .cancelled)
        #expect(status.errorCode == ErrorCode.killedByServer.number)
        await fixture.close()
    }
}
