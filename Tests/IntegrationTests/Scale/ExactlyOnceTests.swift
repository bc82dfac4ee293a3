import Foundation
import Synchronization
import PandaClient
import PandaCore
import Testing
import TestSupport

/// Que's test shape: many pilots claim through several servers on one
/// database while one server is killed with SIGKILL; every claim is recorded
/// by the pilots and checked afterwards. Nothing here is timed: the run ends
/// when every acknowledged job is finished, then the records are judged.
@Suite("panda servers: every job attempt is dispatched once", .serialized)
struct ExactlyOnceTests {
    struct Scenario: Sendable, CustomTestStringConvertible {
        let servers: Int
        let pilots: Int
        let jobs: Int
        let postgres: Bool
        var testDescription: String { "\(servers) server(s) on \(postgres ? "PostgreSQL" : "SQLite"), \(pilots) pilots, \(jobs) jobs" }
    }

    static let scenarios: [Scenario] = [Scenario(servers: 1, pilots: 64, jobs: 4_000, postgres: false)]
        + (PostgresTestServer.isEnabled ? [Scenario(servers: 3, pilots: 64, jobs: 20_000, postgres: true)] : [])

    /// A short sent timeout and a fast sweep: a claim whose answer died with
    /// its server is swept back to activated (as a new attempt) within the run.
    static let serverYAML = """
        timeouts: { sent: 10s }
        sweep_interval: 500ms
        max_attempts: 20
        """

    @Test("pilots spread over the servers, one killed midway: no attempt twice, nothing acknowledged lost, the sweeper moves",
          arguments: scenarios)
    func exactlyOnce(_ scenario: Scenario) async throws {
        let database = scenario.postgres ? try ServerProcess.postgresDatabase() : "sqlite:state/panda.db"
        let fleet = try ServerFleet(count: scenario.servers, database: database, server: Self.serverYAML)
        defer { fleet.cleanUp() }
        let userToken = try fleet.servers[0].token("alice", scope: "submit")
        let pilotToken = try fleet.servers[0].token("pilot", scope: "pilot", queues: ["Q1"])
        let fast = RetryPolicy(rounds: 4, firstDelay: .milliseconds(200), maxDelay: .seconds(2))
        let ledger = ClaimLedger()
        let everyServer = Array(0..<scenario.servers)
        let sweepers = await fleet.settledHolders(of: "sweeper", among: everyServer)
        #expect(sweepers.count == 1, "one server sweeps at a time: \(sweepers)")

        // Most jobs before the pilots start, the rest while they run (and while a server dies).
        let submitter = PandaClient(servers: fleet.urls(first: 0), token: userToken, retry: fast)
        let upFront = scenario.jobs * 3 / 5
        try await submit(upFront, through: submitter, into: ledger)
        let done = StopFlag()
        let submitting = Task {
            var left = scenario.jobs - upFront
            while left > 0 {
                let n = min(100, left)
                do {
                    try await submit(n, through: submitter, into: ledger)
                    left -= n
                } catch {
                    // Not acknowledged, so not counted; it may still be stored, and is then dispatched like any other.
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        let pilots = (0..<scenario.pilots).map { index in
            Task {
                let client = PandaClient(servers: fleet.urls(first: index % scenario.servers), token: pilotToken, retry: fast)
                await runPilot(index, client: client, ledger: ledger, until: done)
            }
        }

        // Kill the server that sweeps once half the jobs are done.
        while ledger.finishedCount < scenario.jobs / 2 { try await Task.sleep(for: .milliseconds(100)) }
        let victim = sweepers.first ?? 0
        fleet.servers[victim].kill9()
        var survivors = everyServer.filter { $0 != victim }
        if survivors.isEmpty {
            // One server on SQLite: it comes back on the same file, and the flock the kernel dropped is its again.
            try await Task.sleep(for: .seconds(1))
            try fleet.servers[victim].start()
            survivors = [victim]
        }

        await submitting.value
        let expected = Set(ledger.submittedIDs)
        let watcher = PandaClient(servers: survivors.map { "http://127.0.0.1:\(fleet.servers[$0].port)" }, token: userToken, retry: fast)
        var finished: [Int64: Int] = [:]
        var waiting = expected
        // Not a timing assertion: only a bound, so a lost job fails the test instead of hanging it.
        let bound = Date().addingTimeInterval(600)
        while !waiting.isEmpty && Date() < bound {
            try await Task.sleep(for: .seconds(1))
            for batch in Array(waiting).batches(of: 1_000) {
                for status in try await watcher.status(of: batch) where status.state.isFinal {
                    finished[status.id] = status.attempt
                    #expect(status.state == .finished, "job \(status.id) ended \(status.state.rawValue)")
                    waiting.remove(status.id)
                }
            }
        }
        done.set()
        for pilot in pilots { await pilot.value }
        let movedTo = await fleet.settledHolders(of: "sweeper", among: survivors)

        let doubles = ledger.doubleDispatches()
        #expect(doubles.isEmpty, "attempts dispatched twice: \(doubles.prefix(5))")
        #expect(ledger.finishedTwice().isEmpty, "jobs finished in two attempts: \(ledger.finishedTwice().prefix(5))")
        #expect(expected.count == scenario.jobs, "every submission was acknowledged in the end")
        #expect(Set(finished.keys) == expected, "every acknowledged submission is there, finished")
        for (job, attempts) in ledger.finals where expected.contains(job) {
            #expect(attempts == [finished[job] ?? -1], "job \(job): its acknowledged final report is the stored one")
        }
        #expect(movedTo.count == 1, "one surviving server sweeps after the kill: \(movedTo)")
        if scenario.servers > 1 {
            #expect(!movedTo.contains(victim))
            let logs = survivors.map { fleet.servers[$0].log_() }.joined()
            #expect(logs.contains("singleton sweeper taken"), "the server that took over says so in its log")
        }
        print("exactly-once \(scenario.testDescription): \(ledger.claimCount) claims, \(finished.count) finished, server \(victim) killed, sweeper moved to \(movedTo)")
    }

    private func submit(_ count: Int, through client: PandaClient, into ledger: ClaimLedger) async throws {
        var left = count
        while left > 0 {
            let n = min(500, left)
            let specs = (0..<n).map { _ in JobSpec(name: "once", queue: "Q1", maxAttempts: 20, payload: Payload(executable: "/bin/true")) }
            ledger.submitted(try await client.submit(specs).jobs.map(\.id))
            left -= n
        }
    }

    /// A pilot reduced to its dispatch: acquire one job, report it finished,
    /// record both; on any error (its server gone) try again, failing over.
    private func runPilot(_ index: Int, client: PandaClient, ledger: ClaimLedger, until done: StopFlag) async {
        let request = AcquireRequest(queue: "Q1", node: "node-\(index)", cores: 4, memory: .gigabytes(8), disk: .gigabytes(10),
                                     remaining: .hours(48))
        while !done.isSet {
            do {
                guard let job = try await client.acquire(request).jobs.first else {
                    try? await Task.sleep(for: .milliseconds(50))
                    continue
                }
                ledger.claimed(job: job.id, attempt: job.attempt, lease: job.lease, by: index)
                do {
                    _ = try await client.update(JobUpdate(jobID: job.id, attempt: job.attempt, lease: job.lease, state: .finished, exitCode: 0))
                    ledger.finished(job: job.id, attempt: job.attempt)
                } catch {
                    // Unanswered or refused (swept meanwhile): not acknowledged, so not counted.
                }
            } catch {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}

/// Set once, read by many.
final class StopFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

extension Array {
    func batches(of size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
