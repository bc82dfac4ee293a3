import Foundation
import GRDB
import PandaCore
import Testing
@testable import PandaStore

/// The monitor's read side: samples, counters, the job list's filters, and
/// the query plan of every statement behind them.
@Suite("store: statistics and job filters")
struct StatsAndFilterTests {
    let now = 1_700_000_000.0

    /// Ends one job of `queue` on `node`: finished, or failed with `code`.
    func end(_ store: any JobStore, queue: String = "Q", node: String, failWith code: Int?, at time: Double) async throws {
        let pilot = ClaimRequest(queue: queue, node: node, pilot: "pilot-\(node)", cores: 8, memory: .gigabytes(16),
                                 disk: .gigabytes(100), remaining: .hours(24), limit: 1)
        let job = try #require(try await store.claim(pilot, now: time).first)
        _ = try await store.update(JobUpdate(jobID: job.id, attempt: job.attempt, lease: job.lease, state: .running), now: time)
        let update = code.map { JobUpdate(jobID: job.id, attempt: job.attempt, lease: job.lease, state: .failed, errorCode: $0) }
            ?? JobUpdate(jobID: job.id, attempt: job.attempt, lease: job.lease, state: .finished, exitCode: 0)
        _ = try await store.update(update, now: time + 1)
    }

    @Test("a sample records live counts per queue and in total, and ended attempts by code, owner and node", arguments: StoreBackend.all)
    func sampling(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let store = fixture.store
        _ = try await store.submit((0..<6).map { StoreFixture.job("j\($0)", maxAttempts: 2) }
                                   + [StoreFixture.job("r", queue: "R", owner: "bob")], now: now)
        try await end(store, node: "good", failWith: nil, at: now + 10)
        try await end(store, node: "good", failWith: nil, at: now + 10)
        try await end(store, node: "bad", failWith: 1305, at: now + 20)
        // 103 is retryable: the attempt fails, the job comes back activated
        // and its row forgets the node, which the counters must not.
        try await end(store, node: "bad", failWith: 103, at: now + 30)
        let report = try await store.sampleStats(now: now + 60)
        #expect(report.endedAttempts == 4)

        let minute = try await store.history(HistoryQuery(resolution: .minute, since: now, until: now + 120))
        let total = try #require(minute.samples.first)
        #expect(minute.samples.count == 1 && total.queue == "*")
        #expect(total.activated == 4 && total.finished == 2 && total.failed == 2)
        let perQueue = try await store.history(HistoryQuery(resolution: .hour, everyQueue: true, since: now - 3600, until: now + 120))
        #expect(Dictionary(uniqueKeysWithValues: perQueue.samples.map { ($0.queue, $0.activated) }) == ["Q": 3, "R": 1])
        // Summed per queue over the window (the minute samples here): the ended attempts added up, the live counts the newest sample's.
        let summed = try await store.history(HistoryQuery(resolution: .minute, everyQueue: true, summed: true, since: now - 3600, until: now + 120))
        #expect(summed.samples.map(\.queue) == ["Q", "R"])
        #expect(summed.samples.first?.finished == 2 && summed.samples.first?.failed == 2 && summed.samples.first?.activated == 3)

        let errors = try await store.errorStats(ErrorFilter(since: now - 3600, until: now + 3600))
        #expect(errors.finished == 2 && errors.failed == 2)
        #expect(errors.errors.map(\.code).sorted() == [103, 1305])
        #expect(errors.errors.first { $0.code == 1305 }?.source == "payload")
        #expect(errors.errors.first { $0.code == 103 }?.queues == [NamedCount(name: "Q", count: 1)])
        #expect(try await store.errorStats(ErrorFilter(since: now - 3600, until: now + 3600, owner: "bob")).failed == 0)

        let nodes = try await store.nodeStats(queue: "Q", since: now - 3600, until: now + 3600)
        #expect(nodes.nodes == [NodeCount(node: "bad", finished: 0, failed: 2), NodeCount(node: "good", finished: 2, failed: 0)])

        // A second sample folds nothing twice.
        #expect(try await store.sampleStats(now: now + 120).endedAttempts == 0)
        #expect(try await store.errorStats(ErrorFilter(since: now - 3600, until: now + 3600)).failed == 2)
        let hour = try await store.history(HistoryQuery(resolution: .hour, since: now - 3600, until: now + 3600))
        #expect(hour.samples.map(\.failed) == [2])
        let live = try await store.liveness(now: now + 120)
        // The retried job's row forgot its heartbeat; the 1305 failure's report is the newest left.
        #expect(live.lastPilotContact == now + 21 && live.lastSample == Int64(now + 120))
        await fixture.close()
    }

    @Test("samples past their retention are dropped: minutes after 2 days, hours after 90", arguments: StoreBackend.all)
    func retention(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        _ = try await fixture.store.submit([StoreFixture.job()], now: now)
        try await fixture.store.sampleStats(now: now)
        try await fixture.store.sampleStats(now: now + 3 * 86_400)
        let minutes = try await fixture.store.history(HistoryQuery(resolution: .minute, since: 0, until: now + 4 * 86_400))
        #expect(minutes.samples.map(\.at) == [Int64(now + 3 * 86_400)])
        let hours = try await fixture.store.history(HistoryQuery(resolution: .hour, since: 0, until: now + 4 * 86_400))
        #expect(hours.samples.count == 2)
        try await fixture.store.sampleStats(now: now + 91 * 86_400)
        #expect(try await fixture.store.history(HistoryQuery(resolution: .hour, since: 0, until: now + 92 * 86_400)).samples.count == 2)
        await fixture.close()
    }

    @Test("the job list filters by state, queue, owner, task, name pattern, error and submission time, pages by id both ways", arguments: StoreBackend.all)
    func filters(_ backend: StoreBackend) async throws {
        let fixture = try await StoreFixture(backend)
        let store = fixture.store
        var jobs: [NewJob] = []
        for index in 0..<20 {
            var job = StoreFixture.job(index % 2 == 0 ? "reco-\(index)" : "simu-\(index)", queue: index < 10 ? "Q" : "R",
                                       owner: index % 4 == 0 ? "bob" : "alice")
            // Task 7 is alice's: a job joins only a task its submitter owns.
            job.spec.taskID = index < 5 && index % 4 != 0 ? 7 : nil
            jobs.append(job)
        }
        try await fixture.execute(
            sqlite: "INSERT INTO tasks (id, owner, in_ds, jobs, spec, created_at) VALUES (7, 'alice', '[]', 3, '{}', \(now))",
            postgres: ["INSERT INTO tasks (id, owner, in_ds, jobs, spec, created_at) VALUES (7, 'alice', '[]', 3, '{}', \(now))"])
        let ids = try await store.submit(Array(jobs[0..<10]), now: now).map(\.id)
            + store.submit(Array(jobs[10...]), now: now + 100).map(\.id)
        try await end(store, node: "n", failWith: 1305, at: now + 200)

        func list(_ change: (inout JobFilter) -> Void) async throws -> [Int64] {
            var filter = JobFilter(limit: 1000)
            change(&filter)
            return try await store.list(filter).jobs.map(\.id)
        }
        #expect(try await list { $0.queue = "R" } == ids[10...].reversed())
        #expect(try await list { $0.owner = "bob" } == [ids[16], ids[12], ids[8], ids[4], ids[0]])
        #expect(try await list { $0.taskID = 7 } == ids[1..<4].reversed())
        #expect(try await list { $0.namePattern = "reco-1*" } == [ids[18], ids[16], ids[14], ids[12], ids[10]])
        #expect(try await list { $0.namePattern = "*-1"; $0.queue = "Q" } == [ids[1]])
        #expect(try await list { $0.state = .failed } == [ids[0]])
        #expect(try await list { $0.errorCode = 1305 } == [ids[0]])
        #expect(try await list { $0.since = now + 50 } == ids[10...].reversed())
        #expect(try await list { $0.until = now + 50 } == ids[..<10].reversed())
        #expect(try await list { $0.since = now + 500 }.isEmpty)
        #expect(try await list { $0.queues = ["Q", "R"]; $0.owner = "bob" }.count == 5)
        // Keyset paging: oldest first continues after the page's last id.
        var filter = JobFilter(limit: 8)
        filter.order = .oldest
        let first = try await store.list(filter)
        filter.after = first.next
        let second = try await store.list(filter)
        #expect(first.jobs.map(\.id) + second.jobs.map(\.id) == Array(ids[..<16]))
        await #expect(throws: StoreError.self) { try await list { $0.namePattern = "*-1" } }

        let page = try await store.list(JobFilter(queue: "Q", limit: 2), facets: true)
        let facets = try #require(page.facets)
        #expect(facets.scanned == 10 && !facets.truncated)
        #expect(facets.owners == [NamedCount(name: "alice", count: 7), NamedCount(name: "bob", count: 3)])
        #expect(facets.errors == [NamedCount(name: "1305", count: 1)])
        #expect(facets.tasks == [NamedCount(name: "7", count: 3)])
        await fixture.close()
    }

    // MARK: Query plans

    /// Every statement `body` runs, with its arguments filled in.
    func statements(_ store: SQLiteJobStore, _ body: @escaping @Sendable (Database) throws -> Void) async throws -> [String] {
        try await store.pool.read { db in
            let seen = StatementLog()
            db.trace(options: .statement) { event in
                if case .statement(let statement) = event { seen.add(statement.expandedSQL) }
            }
            try body(db)
            db.trace(options: [], nil)
            return seen.all
        }
    }

    /// The plan lines of each statement that read a table or index whole.
    func fullScans(_ store: SQLiteJobStore, _ sql: [String]) async throws -> [String] {
        try await store.pool.read { db in
            try sql.flatMap { statement in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + statement).map { $0["detail"] as String }
                    .filter { $0.hasPrefix("SCAN ") }.map { "\($0) in: \(statement)" }
            }
        }
    }

    @Test("no query behind a monitor page scans a whole table", arguments: [
        "history", "history by queue", "history summed by queue", "history of a queue", "errors", "errors of a queue", "errors of an owner", "errors of a task",
        "nodes", "liveness", "sample", "pilots", "pilots of a queue", "pilots in a state", "pilots of a queue in a state",
        "pilots by id", "pilots of a factory",
    ])
    func statsPlans(_ query: String) async throws {
        let fixture = try StoreFixture()
        let now = self.now
        _ = try await fixture.sqlite.submit([StoreFixture.job()], now: now)
        let sql = try await statements(fixture.sqlite) { db in
            switch query {
            case "history": _ = try StatsQueries.history(db, HistoryQuery(resolution: .minute, since: now - 86_400, until: now))
            case "history by queue": _ = try StatsQueries.history(db, HistoryQuery(resolution: .hour, everyQueue: true, since: now - 86_400, until: now))
            case "history summed by queue":
                _ = try StatsQueries.history(db, HistoryQuery(resolution: .hour, everyQueue: true, summed: true, since: now - 86_400, until: now))
            case "history of a queue": _ = try StatsQueries.history(db, HistoryQuery(resolution: .hour, queue: "Q", since: now - 86_400, until: now))
            case "errors": _ = try StatsQueries.errors(db, ErrorFilter(since: now - 86_400, until: now))
            case "errors of a queue": _ = try StatsQueries.errors(db, ErrorFilter(since: now - 86_400, until: now, queue: "Q"))
            case "errors of an owner": _ = try StatsQueries.errors(db, ErrorFilter(since: now - 86_400, until: now, owner: "alice"))
            case "errors of a task": _ = try StatsQueries.errors(db, ErrorFilter(since: now - 86_400, until: now, taskID: 3))
            case "nodes": _ = try StatsQueries.nodes(db, queue: "Q", since: now - 86_400, until: now)
            case "liveness": _ = try StatsQueries.liveness(db, now: now)
            case "pilots": _ = try SQLiteJobStore.pilots(db, PilotFilter())
            case "pilots of a queue": _ = try SQLiteJobStore.pilots(db, PilotFilter(queue: "Q"))
            case "pilots in a state": _ = try SQLiteJobStore.pilots(db, PilotFilter(state: "running"))
            case "pilots of a queue in a state": _ = try SQLiteJobStore.pilots(db, PilotFilter(queue: "Q", state: "failed"))
            case "pilots by id": _ = try SQLiteJobStore.pilots(db, PilotFilter(names: ["p1", "p2"]))
            case "pilots of a factory": _ = try SQLiteJobStore.pilots(db, PilotFilter(factory: "f1"))
            default: break
            }
        }
        if query == "sample" {
            // The sampler writes; its reads of the state counters and the
            // inbox are whole-table by design (a few hundred rows, emptied each time).
            try await fixture.sqlite.sampleStats(now: now)
        } else if query == "pilots" {
            // Unfiltered: the newest pilots by walking the time index, stopped by LIMIT.
            #expect(try await fullScans(fixture.sqlite, sql).allSatisfy { $0.hasPrefix("SCAN p USING INDEX factory_pilot_records_time") })
        } else if query.hasPrefix("errors") {
            // The sampler's inbox (the attempts ended since its last fold, emptied
            // each minute) is read whole, as the sampler reads it; nothing else is.
            #expect(!sql.isEmpty)
            #expect(try await fullScans(fixture.sqlite, sql).allSatisfy { $0.hasPrefix("SCAN stats_attempt_ends") })
        } else {
            #expect(!sql.isEmpty)
            #expect(try await fullScans(fixture.sqlite, sql) == [])
        }
        await fixture.close()
    }

    @Test("every filter of the job list reads an index, and the unfiltered list walks ids for one page only", arguments: [
        "state", "queue", "site", "owner", "task", "name", "name inside a queue", "error", "since", "until", "oldest",
        "state and queue", "owner and state", "error and queue", "facets", "none",
    ])
    func listPlans(_ filterName: String) async throws {
        let fixture = try StoreFixture()
        let now = self.now
        _ = try await fixture.sqlite.submit([StoreFixture.job(), StoreFixture.job()], now: now)
        var filter = JobFilter()
        switch filterName {
        case "state": filter.state = .running
        case "queue": filter.queue = "Q"
        case "site": filter.queues = ["Q", "R", "S"]
        case "owner": filter.owner = "alice"
        case "task": filter.taskID = 4
        case "name": filter.namePattern = "reco*"
        case "name inside a queue": filter.namePattern = "*reco*"; filter.queue = "Q"
        case "error": filter.errorCode = 1305
        case "since": filter.since = now - 3600
        case "until": filter.until = now - 3600; filter.owner = "alice"
        case "oldest": filter.order = .oldest; filter.after = 1; filter.state = .failed
        case "state and queue": filter.state = .failed; filter.queue = "Q"
        case "owner and state": filter.owner = "alice"; filter.state = .failed
        case "error and queue": filter.errorCode = 1305; filter.queue = "Q"
        default: break
        }
        let withFacets = filterName == "facets"
        let chosen = filter
        let sql = try await statements(fixture.sqlite) { db in _ = try SQLiteJobStore.list(db, chosen, facets: withFacets) }
        let scans = try await fullScans(fixture.sqlite, sql)
        if filterName == "none" || filterName == "since" || filterName == "facets" {
            // Only id bounds: the primary key in id order, stopped by LIMIT.
            if filterName == "none" { #expect(!scans.isEmpty, "the plan check sees a scan where there is one") }
            #expect(scans.allSatisfy { $0.hasPrefix("SCAN jobs") && $0.contains("ORDER BY id") && $0.contains("LIMIT") })
        } else {
            #expect(scans == [])
        }
        await fixture.close()
    }
}

extension StatsAndFilterTests {
    @Test("queue and state together read the index the state counters point to, and list the same jobs whichever it is", arguments: [
        (0, "jobs_dispatch"), (10, "jobs_queue"), (900_000, "jobs_state"),
    ])
    func queueAndStateIndex(_ planted: (others: Int, index: String)) async throws {
        let fixture = try StoreFixture()
        let store = fixture.sqlite
        _ = try await store.submit((0..<6).map { StoreFixture.job("q\($0)", queue: $0 < 4 ? "Q" : "R") }, now: now)
        try await end(store, node: "n", failWith: 1305, at: now + 10)
        try await end(store, node: "n", failWith: 1305, at: now + 20)
        if planted.others > 0 {
            // As if Q had 6,000 failed jobs among `others` more of its own, and the
            // other queues 100,000 failed ones: the counters, not the rows, decide.
            try await store.pool.write { db in
                try db.execute(sql: "UPDATE state_counts SET n = 6000 WHERE queue = 'Q' AND state = 'failed'")
                try db.execute(sql: "INSERT OR REPLACE INTO state_counts (queue, state, n) VALUES ('Q', 'finished', ?), ('R', 'failed', 100000)",
                               arguments: [planted.others])
            }
        }
        var filter = JobFilter(state: .failed, queue: "Q")
        filter.limit = 10
        let chosen = filter
        let sql = try await statements(store) { db in _ = try SQLiteJobStore.list(db, chosen, facets: true) }
        let plans = try await store.pool.read { db in
            try sql.filter { $0.contains("FROM jobs") }.flatMap { statement in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + statement).map { $0["detail"] as String }
            }
        }
        #expect(plans.contains { $0.contains("USING INDEX \(planted.index) ") || $0.hasSuffix("USING INDEX \(planted.index)") }, "\(plans)")
        #expect(try await fullScans(store, sql).allSatisfy { $0.hasPrefix("SCAN state_counts") }, "the counters' small table only")
        let page = try await store.list(chosen, facets: true)
        #expect(page.jobs.count == 2 && page.jobs.allSatisfy { $0.state == .failed && $0.queue == "Q" })
        #expect(page.jobs.map(\.id) == page.jobs.map(\.id).sorted(by: >))
        await fixture.close()
    }
}

/// Statements seen by a trace, collected across the trace's calls.
final class StatementLog: @unchecked Sendable {
    private var lines: [String] = []
    private let lock = NSLock()
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
