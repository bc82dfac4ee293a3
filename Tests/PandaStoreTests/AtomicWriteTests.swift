import Foundation
import GRDB
import PandaCore
import Testing
@testable import PandaStore

/// A write is applied whole or not at all: a refusal or an SQLite error found
/// after some of its statements ran undoes them, while the other writes of
/// the same batch commit.
@Suite("store: atomic writes")
struct AtomicWriteTests {
    let now = 1_000_000.0

    /// Makes SQLite fail when an output called `poison` is registered: a real
    /// error from the database after the job row's UPDATE has run.
    static func poisonOutputs(_ fixture: StoreFixture) async throws {
        try await fixture.execute(sqlite: """
            CREATE TRIGGER poison_outputs BEFORE INSERT ON files WHEN NEW.lfn = 'poison'
            BEGIN SELECT RAISE(ABORT, 'the disk said no'); END
            """, postgres: ["""
            CREATE FUNCTION poison_outputs() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the disk said no'; END $$
            """, """
            CREATE TRIGGER poison_outputs BEFORE INSERT ON files FOR EACH ROW WHEN (NEW.lfn = 'poison') EXECUTE FUNCTION poison_outputs()
            """])
    }

    /// A job that declares the one output its finished report will carry,
    /// so that only the poison trigger can refuse the report.
    static func outputJob(_ name: String, output lfn: String) -> NewJob {
        var job = StoreFixture.job(name)
        job.spec.outputDataset = "user.alice.out"
        job.spec.outputs = [OutputFile(lfn: lfn, scope: "user.alice", destination: "DISK")]
        return job
    }

    static func finished(_ job: ClaimedJob, output lfn: String) -> JobUpdate {
        JobUpdate(jobID: job.id, attempt: job.attempt, lease: job.lease, state: .finished, exitCode: 0, cpuSeconds: 5,
                  outputs: [StoredFile(lfn: lfn, size: 3, checksum: "ad:00000001", url: "file:///tmp/\(lfn)",
                                       storage: "DISK", scope: "user.alice")])
    }

    @Test("an update that fails after the row moved leaves the row, its history, its counters and the catalogue as they were", arguments: StoreBackend.all)
    func failedUpdateRollsBack(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        try await Self.poisonOutputs(fixture)
        _ = try await fixture.store.submit([Self.outputJob("a", output: "poison")], now: now)
        let job = try #require(try await fixture.store.claim(StoreFixture.pilot(), now: now).first)
        _ = try await fixture.store.update(JobUpdate(jobID: job.id, attempt: 1, lease: job.lease, state: .running), now: now + 1)
        await #expect(throws: StoreError.self) {
            try await fixture.store.update(Self.finished(job, output: "poison"), now: now + 2)
        }
        let description = try #require(try await fixture.store.describe(job.id, owner: nil))
        #expect(description.status.state == .running)
        #expect(description.exitCode == nil)
        #expect(description.cpuSeconds == nil)
        #expect(description.history.map(\.state) == [.activated, .sent, .running])
        let summary = try await fixture.store.summary()
        #expect(summary.count(queue: "Q", state: .running) == 1)
        #expect(summary.count(queue: "Q", state: .finished) == 0)
        #expect(try await fixture.store.datasets().isEmpty, "the output dataset made on the way is gone too")
        await fixture.close()
    }

    @Test("in one batch of reports, the one that fails midway changes nothing and the others commit", arguments: StoreBackend.all)
    func batchWithOneFailure(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        try await Self.poisonOutputs(fixture)
        _ = try await fixture.store.submit([Self.outputJob("a", output: "a.dat"), Self.outputJob("b", output: "poison"),
                                            Self.outputJob("c", output: "c.dat")], now: now)
        let jobs = try await fixture.store.claim(StoreFixture.pilot(limit: 3), now: now)
        #expect(jobs.count == 3)
        let results = try await fixture.store.updateMany([
            Self.finished(jobs[0], output: "a.dat"),
            Self.finished(jobs[1], output: "poison"),
            Self.finished(jobs[2], output: "c.dat"),
        ], now: now + 1)
        #expect(results.map { (try? $0.get())?.state } == [.finished, nil, .finished])
        let states = try await fixture.store.status(of: jobs.map(\.id), owner: nil).map(\.state)
        #expect(states == [.finished, .sent, .finished])
        let files = try #require(try await fixture.store.dataset(named: "user.alice.out")).files.map(\.lfn)
        #expect(files == ["a.dat", "c.dat"])
        let summary = try await fixture.store.summary()
        #expect(summary.count(queue: "Q", state: .finished) == 2)
        #expect(summary.count(queue: "Q", state: .sent) == 1)
        await fixture.close()
    }

    @Test("two stores writing one database file hand every attempt out once", arguments: StoreBackend.all)
    func exactlyOnceAcrossWriters(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let second = try await fixture.second()
        _ = try await fixture.store.submit((0..<300).map { StoreFixture.job("j\($0)") }, now: now)
        let stores: [any JobStore] = [fixture.store, second]
        let handed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for index in 0..<32 {
                let store = stores[index % 2]
                group.addTask {
                    var mine: [Int64] = []
                    while true {
                        let jobs = try await store.claim(StoreFixture.pilot(limit: 2), now: 1)
                        if jobs.isEmpty { return mine }
                        mine += jobs.map(\.id)
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(handed.count == 300)
        #expect(Set(handed).count == 300)
        await fixture.close()
    }

    @Test("candidates another writer took meanwhile are skipped, not handed out a second time")
    func staleCandidatesAreSkipped() async throws {
        // What a second server on the same database (or a match read outside
        // the write lock) sees: jobs still activated in its snapshot that the
        // other writer has just dispatched.
        let fixture = try StoreFixture()
        let other = try SQLiteJobStore(path: fixture.path)
        let otherWriter = Task { await other.run() }
        _ = try await fixture.store.submit((0..<5).map { StoreFixture.job("j\($0)") }, now: now)
        let request = StoreFixture.pilot(limit: 5)
        let stale = try await fixture.sqlite.pool.read { db in try SQLiteJobStore.candidates(db, request) }
        #expect(stale.count == 5)
        let first = try await other.claim(request, now: now)
        #expect(first.count == 5)
        let again = try await fixture.sqlite.writer.write { db in try SQLiteJobStore.take(db, stale, for: request, now: now + 1) }
        #expect(again.isEmpty, "a job already sent must not be taken again")
        for job in first {
            let history = try #require(try await fixture.store.describe(job.id, owner: nil)).history
            #expect(history.filter { $0.state == .sent }.count == 1)
        }
        other.close()
        await otherWriter.value
        await fixture.close()
    }
}
