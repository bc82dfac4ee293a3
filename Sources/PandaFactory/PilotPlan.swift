import Foundation
import PandaConfig
import PandaCore

/// How many pilots a queue gets this cycle — Harvester's rule:
/// `n = max(0, min(per_cycle, queued_limit − queued, max − queued − running, demand − queued))`.
/// Local pilots never wait in a queue, so for them the queued limit is the
/// slot limit, and `max` is capped by the slots.
///
/// ```swift
/// PilotPlan(limits: queue.pilots, slots: nil, system: .slurm).newPilots(queued: 3, running: 10, demand: 50)   // per_cycle-bound
/// ```
struct PilotPlan {
    let limits: PilotLimits
    let slots: Int?
    let system: BatchSystem

    var maximum: Int {
        system == .local ? min(limits.max, slots ?? ProcessInfo.processInfo.activeProcessorCount) : limits.max
    }

    func newPilots(queued: Int, running: Int, demand: Int) -> Int {
        let queuedLimit = system == .local ? maximum : limits.queued
        return max(0, min(limits.perCycle, queuedLimit - queued, maximum - queued - running, demand - queued))
    }
}
