import Foundation
import PandaCore
import Testing
import TestSupport
@testable import PandaStore
import PandaSystem

@Suite("store: the job lifecycle")
struct JobLifecycleTests {
    let now = 1_000_000.0

    @Test("a job goes from activated to sent to running to finished, with history and counters", arguments: StoreBackend.all)
    func lifecycle(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let submitted = try await fixture.store.submit([StoreFixture.job()], now: now)
        #expect(submitted.map(\.state) == [.activated])
        let claimed = try await fixture.store.claim(StoreFixture.pilot(), now: now + 1)
        let job = try #require(claimed.first)
        #expect(job.id == submitted[0].id)
        var reply = try await fixture.store.update(JobUpdate(jobID: job.id, attempt: 1, lease: job.lease, state: .running), now: now + 2)
        #expect(reply == UpdateReply(state: .running, command: nil))
        reply = try await fixture.store.update(JobUpdate(jobID: job.id, attempt: 1, lease: job.lease, state: .finished, exitCode: 0), now: now + 3)
        #expect(reply.state == .finished)
        let description = try #require(try await fixture.store.describe(job.id, owner: nil))
        #expect(description.history.map(\.state) == [.activated, .sent, .running, .finished])
        let summary = try await fixture.store.summary()
        #expect(summary.count(queue: "Q", state: .finished) == 1)
        #expect(summary.count(queue: "Q", state: .activated) == 0)
        await fixture.close()
    }

    @Test("claims take the highest priority first, then the oldest, and only jobs that fit", arguments: StoreBackend.all)
    func matching(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let ids = try await fixture.store.submit([
            StoreFixture.job("low", priority: 1), StoreFixture.job("big", priority: 9, cores: 16),
            StoreFixture.job("high", priority: 5), StoreFixture.job("high2", priority: 5),
            StoreFixture.job("other", queue: "R", priority: 100),
        ], now: now).map(\.id)
        let claimed = try await fixture.store.claim(StoreFixture.pilot(limit: 3), now: now)
        #expect(claimed.map(\.id) == [ids[2], ids[3], ids[0]])
        #expect(try await fixture.store.claim(StoreFixture.pilot(), now: now).isEmpty)
        await fixture.close()
    }

    @Test("a stale lease is refused and changes nothing", arguments: StoreBackend.all)
    func staleLease(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job()], now: now)
        let job = try #require(try await fixture.store.claim(StoreFixture.pilot(), now: now).first)
        await #expect(throws: StoreError.staleLease(job: job.id, attempt: 1, current: 1)) {
            try await fixture.store.update(JobUpdate(jobID: job.id, attempt: 1, lease: "forged", state: .running), now: now)
        }
        #expect(try await fixture.store.status(of: [job.id], owner: nil).first?.state == .sent)
        await fixture.close()
    }

    @Test("a repeated final report is acknowledged; a contradicting one is refused", arguments: StoreBackend.all)
    func idempotentFinal(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job()], now: now)
        let job = try #require(try await fixture.store.claim(StoreFixture.pilot(), now: now).first)
        let finished = JobUpdate(jobID: job.id, attempt: 1, lease: job.lease, state: .finished)
        _ = try await fixture.store.update(finished, now: now)
        #expect(try await fixture.store.update(finished, now: now + 1).state == .finished)
        await #expect(throws: StoreError.illegalTransition(job: job.id, from: .finished, to: .failed)) {
            try await fixture.store.update(JobUpdate(jobID: job.id, attempt: 1, lease: job.lease, state: .failed), now: now)
        }
        await fixture.close()
    }

    @Test("a retryable failure starts the next attempt; the old lease is then stale but its final report still acknowledged", arguments: StoreBackend.all)
    func retries(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job(maxAttempts: 2)], now: now)
        let first = try #require(try await fixture.store.claim(StoreFixture.pilot(), now: now).first)
        let failure = JobUpdate(jobID: first.id, attempt: 1, lease: first.lease, state: .failed, errorCode: 1099)
        #expect(try await fixture.store.update(failure, now: now).state == .activated)
        #expect(try await fixture.store.update(failure, now: now + 1).state == .failed, "a repeated report of attempt 1")
        let second = try #require(try await fixture.store.claim(StoreFixture.pilot(), now: now).first)
        #expect(second.attempt == 2)
        await #expect(throws: StoreError.self) {
            try await fixture.store.update(JobUpdate(jobID: first.id, attempt: 1, lease: first.lease, state: .running), now: now)
        }
        let last = JobUpdate(jobID: second.id, attempt: 2, lease: second.lease, state: .failed, errorCode: 1099)
        #expect(try await fixture.store.update(last, now: now).state == .failed, "no attempts left")
        await fixture.close()
    }

    @Test("a failure the catalogue calls final is not retried", arguments: StoreBackend.all)
    func nonRetryable(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job(maxAttempts: 3)], now: now)
        let job = try #require(try await fixture.store.claim(StoreFixture.pilot(), now: now).first)
        let reply = try await fixture.store.update(JobUpdate(jobID: job.id, attempt: 1, lease: job.lease, state: .failed, errorCode: 1305), now: now)
        #expect(reply.state == .failed)
        await fixture.close()
    }

    @Test("killing cancels a waiting job at once and tells a running job's pilot", arguments: StoreBackend.all)
    func kill(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let ids = try await fixture.store.submit([StoreFixture.job(), StoreFixture.job()], now: now).map(\.id)
        let running = try #require(try await fixture.store.claim(StoreFixture.pilot(), now: now).first)
        _ = try await fixture.store.update(JobUpdate(jobID: running.id, attempt: 1, lease: running.lease, state: .running), now: now)
        let results = try await fixture.store.kill(ids + [999], owner: "alice", now: now)
        #expect(results.map(\.outcome) == [.killRequested, .cancelled, .notFound])
        let reply = try await fixture.store.update(JobUpdate(jobID: running.id, attempt: 1, lease: running.lease, state: .running), now: now)
        #expect(reply.command == .kill)
        let final = try await fixture.store.update(JobUpdate(jobID: running.id, attempt: 1, lease: running.lease, state: .failed, errorCode: 1144), now: now)
        #expect(final.state == .cancelled)
        await fixture.close()
    }

    @Test("only the owner can kill or see a job when an owner is given", arguments: StoreBackend.all)
    func ownership(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let id = try await fixture.store.submit([StoreFixture.job(owner: "alice")], now: now)[0].id
        #expect(try await fixture.store.kill([id], owner: "mallory", now: now).first?.outcome == .notFound)
        #expect(try await fixture.store.status(of: [id], owner: "mallory").isEmpty)
        #expect(try await fixture.store.describe(id, owner: "mallory") == nil)
        await fixture.close()
    }

    @Test("the sweeper fails quiet jobs and retries those with attempts left", arguments: StoreBackend.all)
    func sweeper(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job(maxAttempts: 1), StoreFixture.job(maxAttempts: 2)], now: now)
        let jobs = try await fixture.store.claim(StoreFixture.pilot(limit: 2), now: now)
        _ = try await fixture.store.update(JobUpdate(jobID: jobs[1].id, attempt: 1, lease: jobs[1].lease, state: .running), now: now)
        let timeouts = SweepTimeouts(sent: .seconds(60), heartbeat: .seconds(120), holding: .seconds(300))
        #expect(try await fixture.store.sweep(timeouts, now: now + 30) == SweepReport())
        let report = try await fixture.store.sweep(timeouts, now: now + 200)
        #expect(report.failed == 1)
        #expect(report.retried == 1)
        let states = try await fixture.store.status(of: jobs.map(\.id), owner: nil)
        #expect(states.map(\.state) == [.failed, .activated])
        #expect(states.map(\.errorCode) == [102, nil], "the retried job's new attempt starts clean")
        let retried = try #require(try await fixture.store.describe(jobs[1].id, owner: nil))
        #expect(retried.attempts.map(\.errorCode) == [103, nil], "attempt 1 keeps its lost heartbeat")
        await fixture.close()
    }

    @Test("concurrent claims never hand one job to two pilots", arguments: StoreBackend.all)
    func exactlyOnce(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit((0..<500).map { StoreFixture.job("j\($0)") }, now: now)
        let store = fixture.store
        let handed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for _ in 0..<64 {
                group.addTask {
                    var mine: [Int64] = []
                    while true {
                        let jobs = try await store.claim(StoreFixture.pilot(limit: 3), now: 1)
                        if jobs.isEmpty { return mine }
                        mine += jobs.map(\.id)
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(handed.count == 500)
        #expect(Set(handed).count == 500)
        await fixture.close()
    }

    @Test("paging lists newest first and continues where the last page stopped", arguments: StoreBackend.all)
    func paging(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let ids = try await fixture.store.submit((0..<25).map { StoreFixture.job("j\($0)") }, now: now).map(\.id)
        let first = try await fixture.store.list(JobFilter(limit: 10))
        #expect(first.jobs.map(\.id) == Array(ids.reversed().prefix(10)))
        let second = try await fixture.store.list(JobFilter(before: first.next, limit: 20))
        #expect(second.jobs.count == 15)
        #expect(second.next == nil)
        await fixture.close()
    }
}

@Suite("SQLite job store when the database is unavailable")
struct StoreUnavailableTests {
    @Test("while another process holds the write lock, writes fail as StoreError.database and reads still work")
    func lockedDatabase() async throws {
        let fixture = try StoreFixture(busyTimeout: 0.2)
        _ = try await fixture.store.submit([StoreFixture.job()], now: 1)
        // Held far longer than the test needs and ended by it: a loaded machine must not let the lock lapse first.
        let locker = try SQLiteLocker.hold(fixture.path, for: 60)
        do {
            _ = try await fixture.store.submit([StoreFixture.job()], now: 2)
            Issue.record("a write succeeded while another process held the lock")
        } catch let error as StoreError {
            guard case .database = error else { Issue.record("expected StoreError.database, got \(error)"); return }
        }
        #expect(try await fixture.store.summary().count(queue: "Q", state: .activated) == 1, "readers are not blocked in WAL mode")
        locker.terminate()
        await fixture.close()
    }
}
