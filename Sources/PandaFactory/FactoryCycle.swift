import Foundation
import Logging
import PandaClient
import PandaConfig
import PandaCore

/// One pass over every queue the factory serves: learn the demand, poll the
/// pilots' batch states, cancel the ones waiting too long, submit what the
/// plan says, forget old ones, and report to the server. A queue whose batch
/// system does not answer is skipped this cycle; the others go on.
struct FactoryCycle: Sendable {
    let settings: FactorySettings
    let client: PandaClient
    let ledger: PilotLedger
    let adapters: [BatchSystem: any BatchAdapter]
    let logger: Logger
    let backoff: QueueBackoff

    /// What the cycle saw, for STATUS= and the report.
    struct Summary: Sendable {
        var queues: [QueuePilots] = []
        var submitted = 0
        var problems: [String] = []
        /// Queues held back, with why.
        var backoffs: [String: String] = [:]
    }

    func run(now: Double = Date().timeIntervalSince1970) async -> Summary {
        var summary = Summary()
        let demand: [String: Int]?
        do {
            demand = Dictionary(try await client.queueDemand().queues.map { ($0.queue, $0.activated) }, uniquingKeysWith: { a, _ in a })
        } catch {
            summary.problems.append("demand: \(error)")
            logger.warning("cannot learn the demand; no pilots submitted this cycle: \(error)")
            demand = nil
        }
        for queue in settings.queues {
            guard let batch = queue.batch, let adapter = adapters[batch.system] else { continue }
            do {
                let (pilots, submitted) = try await serve(queue, batch: batch, adapter: adapter, demand: demand?[queue.name], now: now)
                summary.queues.append(pilots)
                summary.submitted += submitted
                if let reason = pilots.backoff { summary.backoffs[queue.name] = reason }
            } catch {
                summary.problems.append("\(queue.name): \(error)")
                logger.error("queue \(queue.name) skipped this cycle: \(error)", metadata: ["queue": "\(queue.name)"])
            }
        }
        forgetOld(now: now)
        if !summary.queues.isEmpty {
            do {
                try await client.reportPilots(PilotReport(factory: "", queues: summary.queues, pilots: pilotRecords()))
            } catch {
                logger.warning("cannot report pilots to the server: \(error)")
            }
        }
        return summary
    }

    private func serve(_ queue: QueueConfig, batch: BatchConfig, adapter: any BatchAdapter, demand: Int?,
                       now: Double) async throws -> (QueuePilots, Int) {
        try await reconcileSubmitting(queue, adapter: adapter, now: now)
        let known = try ledger.active(queue: queue.name)
        let states = try await adapter.status(of: known.map(\.batchID))
        var records = known.map { PilotTransitions.apply(states[$0.batchID], to: $0, now: now, logger: logger) }
        backoff.observe(queue: queue.name, ended: zip(known, records).filter { !$1.state.isActive }.map { ($0, $1) }, now: now, logger: logger)
        try await cancelStale(&records, adapter: adapter, demand: demand, now: now)
        // Only what changed is written: most pilots keep their state from cycle to cycle.
        try ledger.save(zip(known, records).filter { $0 != $1 }.map(\.1))

        let active = records.filter { $0.state.isActive }
        let queued = active.count { $0.state == .queued }
        let running = active.count { $0.state == .running }
        let held = active.count { $0.state == .held }
        var submitted = 0
        let hold = backoff.holds(queue: queue.name, now: now)
        if let demand, queue.status.servesPilots, hold == nil {
            let plan = PilotPlan(limits: queue.pilots, slots: batch.slots, system: batch.system)
            let count = plan.newPilots(queued: queued, running: running + held, demand: demand)
            if count > 0 { submitted = try await submit(count, to: queue, adapter: adapter, now: now) }
        }
        let ended = try ledger.ended(queue: queue.name, since: now - Double(settings.factory.retention.milliseconds) / 1000)
        // Local pilots start at once; batch pilots wait in the queue first.
        let startedAtOnce = adapter.system == .local
        var pilots = QueuePilots(queue: queue.name, batchSystem: batch.system,
                                 queued: queued + (startedAtOnce ? 0 : submitted), running: running + (startedAtOnce ? submitted : 0),
                                 held: held, finished: ended.finished, failed: ended.failed)
        pilots.backoff = hold?.reason
        pilots.backoffUntil = hold?.until
        return (pilots, submitted)
    }

    /// Queued too long, queued with nothing to do, held too long: cancelled,
    /// and recorded as failed with why.
    private func cancelStale(_ records: inout [PilotRecord], adapter: any BatchAdapter, demand: Int?, now: Double) async throws {
        var reasons: [Int: String] = [:]
        let maxQueued = Double(settings.factory.maxQueuedTime.milliseconds) / 1000
        let maxHeld = Double(settings.factory.maxHeldTime.milliseconds) / 1000
        for (index, record) in records.enumerated() {
            switch record.state {
            case .queued where now - record.submittedAt > maxQueued:
                reasons[index] = "cancelled: queued longer than \(settings.factory.maxQueuedTime)"
            case .queued where settings.factory.cancelWithoutDemand && demand == 0:
                reasons[index] = "cancelled: no jobs left for the queue"
            case .held where now - (record.heldAt ?? now) > maxHeld:
                reasons[index] = "removed after being held for \(settings.factory.maxHeldTime): \(record.reason ?? "no reason given")"
            default: break
            }
        }
        guard !reasons.isEmpty else { return }
        try await adapter.cancel(reasons.keys.map { records[$0].batchID })
        for (index, reason) in reasons {
            records[index].state = .failed
            records[index].reason = reason
            records[index].endedAt = now
            logger.info("pilot \(records[index].name) (\(records[index].batchID)) \(reason)")
        }
    }

    /// Pilots reported one by one, newest first: the server's default
    /// `server.limits.pilots_per_report` takes this many.
    static let reportedPilots = 5000

    /// The ledger's newest pilots of the queues this factory serves now (a
    /// reload may have dropped some, which its token may no longer cover).
    private func pilotRecords() -> [FactoryPilot]? {
        let served = Set(settings.queues.map(\.name))
        do {
            return try ledger.recent(limit: Self.reportedPilots).filter { served.contains($0.queue) }.map { record in
                FactoryPilot(batchID: record.batchID, name: record.name, queue: record.queue, batchSystem: record.system,
                             state: record.state.rawValue, submittedAt: record.submittedAt, startedAt: record.startedAt,
                             endedAt: record.endedAt, exitCode: record.exitCode, reason: record.reason.map { String($0.prefix(1000)) })
            }
        } catch {
            logger.warning("cannot read the pilot ledger for the report; sending counts only: \(error)")
            return nil
        }
    }

    private func forgetOld(now: Double) {
        do {
            for record in try ledger.forget(endedBefore: now - Double(settings.factory.retention.milliseconds) / 1000) {
                PilotDirectory.remove(record.directory)
            }
        } catch {
            logger.warning("cannot forget old pilots: \(error)")
        }
    }
}
