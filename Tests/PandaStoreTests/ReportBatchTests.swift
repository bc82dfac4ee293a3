import PandaCore
import Testing
@testable import PandaStore

/// One request's reports travel together: PostgreSQL applies the plain ones
/// of a batch in one statement and the others one by one after them
/// (`PostgresReports`), SQLite one by one. Either way each report is applied
/// or refused on its own, a second report on the same job sees the first,
/// and the counters agree with the jobs.
@Suite("store: reports applied together")
struct ReportBatchTests {
    let now = 1_000_000.0

    @Test("reports on several jobs, two on one, a stale one, a failure and an unknown job: each answered on its own, in order",
          arguments: StoreBackend.all)
    func mixedReports(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit((0..<4).map { StoreFixture.job("j\($0)") }, now: now)
        let jobs = try await fixture.store.claim(StoreFixture.pilot(limit: 4), now: now)
        #expect(jobs.count == 4)
        let (a, b, c, d) = (jobs[0], jobs[1], jobs[2], jobs[3])
        let results = try await fixture.store.updateMany([
            JobUpdate(jobID: a.id, attempt: a.attempt, lease: a.lease, state: .running),
            JobUpdate(jobID: a.id, attempt: a.attempt, lease: a.lease, state: .finished, exitCode: 0, cpuSeconds: 2),
            JobUpdate(jobID: b.id, attempt: b.attempt, lease: "not-the-lease", state: .running),
            JobUpdate(jobID: c.id, attempt: c.attempt, lease: c.lease, state: .failed, exitCode: 3, errorCode: 1305),
            JobUpdate(jobID: d.id, attempt: d.attempt, lease: d.lease, state: .starting),
            JobUpdate(jobID: d.id, attempt: d.attempt, lease: d.lease, state: .starting, cpuSeconds: 1),
            JobUpdate(jobID: 999_999, attempt: 1, lease: "x", state: .running),
        ], queues: nil, now: now + 1)
        let replies = results.map { try? $0.get().state }
        #expect(replies[0] == .running)
        #expect(replies[1] == .finished, "the second report on a job sees the first")
        #expect(replies[4] == .starting)
        #expect(replies[5] == .starting, "a heartbeat in the state the job is in")
        guard case .failure(.staleLease) = results[2] else { Issue.record("a wrong lease is refused: \(results[2])"); return }
        guard case .failure(.notFound(999_999)) = results[6] else { Issue.record("an unknown job is refused: \(results[6])"); return }
        let failed = try #require(try results[3].get().state)

        let history = try #require(try await fixture.store.describe(a.id, owner: nil))
        #expect(history.history.map(\.state) == [.activated, .sent, .running, .finished])
        #expect(history.cpuSeconds == 2)
        #expect(try #require(try await fixture.store.describe(b.id, owner: nil)).status.state == .sent)
        #expect(try #require(try await fixture.store.describe(c.id, owner: nil)).status.state == failed)
        let dJob = try #require(try await fixture.store.describe(d.id, owner: nil))
        #expect(dJob.history.map(\.state) == [.activated, .sent, .starting], "the heartbeat adds no event")
        #expect(dJob.cpuSeconds == 1)

        let summary = try await fixture.store.summary()
        #expect(summary.count(queue: "Q", state: .finished) == 1)
        #expect(summary.count(queue: "Q", state: .sent) == 1)
        #expect(summary.count(queue: "Q", state: .starting) == 1)
        #expect(summary.count(queue: "Q", state: failed) == 1)
        #expect(summary.count(queue: "Q", state: .running) == 0)
        await fixture.close()
    }

    @Test("many pilots reporting at once: every report lands once, and the counters agree with the jobs", arguments: StoreBackend.all)
    func concurrentReports(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit((0..<200).map { StoreFixture.job("j\($0)") }, now: now)
        let store = fixture.store
        let finished = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<32 {
                group.addTask {
                    var done = 0
                    while let job = try await store.claim(StoreFixture.pilot(), now: 1).first {
                        for state in [JobState.running, .running, .finished] {
                            let reply = try await store.update(JobUpdate(jobID: job.id, attempt: job.attempt, lease: job.lease, state: state),
                                                               queues: nil, now: 2)
                            #expect(reply.state == state)
                        }
                        done += 1
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(finished == 200)
        let summary = try await fixture.store.summary()
        #expect(summary.count(queue: "Q", state: .finished) == 200)
        for state in [JobState.activated, .sent, .running] { #expect(summary.count(queue: "Q", state: state) == 0) }
        await fixture.close()
    }
}
