import Logging
import PandaCore
@testable import PandaFactory
import Testing

/// Back-off for queues whose pilots fail quickly.
@Suite("queue back-off")
struct QueueBackoffTests {
    func record(_ state: PilotRecord.State, started: Double, ended: Double?, reason: String? = nil) -> PilotRecord {
        PilotRecord(system: .slurm, batchID: "1", queue: "SQ", name: "p", state: state, reason: reason, exitCode: nil, submittedAt: started,
                    startedAt: started, endedAt: ended, heldAt: nil, directory: "/d", missing: 0)
    }

    @Test("pilots failing within minutes hold the queue back, doubling; one that finishes ends it")
    func holdsAndReleases() {
        let backoff = QueueBackoff()
        let logger = Logger(label: "test")
        let running = record(.running, started: 0, ended: nil)
        let failed = record(.failed, started: 0, ended: 10, reason: "exited with 3")
        backoff.observe(queue: "SQ", ended: [(running, failed)], now: 10, logger: logger)
        let first = backoff.holds(queue: "SQ", now: 11)
        #expect(first?.until == 70)
        #expect(first?.reason == "1 pilot failed within 5m of starting (exited with 3)")
        backoff.observe(queue: "SQ", ended: [(running, failed)], now: 80, logger: logger)
        #expect(backoff.holds(queue: "SQ", now: 81)?.until == 200, "two minutes the second time")
        #expect(backoff.holds(queue: "OTHER", now: 81) == nil)
        backoff.observe(queue: "SQ", ended: [(running, record(.finished, started: 0, ended: 90))], now: 90, logger: logger)
        #expect(backoff.holds(queue: "SQ", now: 91) == nil)
    }

    @Test("a pilot that failed after running long, or vanished without a state, holds nothing back")
    func slowOrVanished() {
        let backoff = QueueBackoff()
        let running = record(.running, started: 0, ended: nil)
        backoff.observe(queue: "SQ", ended: [(running, record(.failed, started: 0, ended: 4000, reason: "exited with 1")),
                                             (running, record(.failed, started: 0, ended: 10, reason: PilotTransitions.vanished))],
                        now: 4000, logger: Logger(label: "test"))
        #expect(backoff.holds(queue: "SQ", now: 4001) == nil)
    }
}
