import Logging
import PandaCore

/// How a pilot's record follows what its batch system says. Every ending has
/// a reason an operator reads: a pilot ends `finished` only when it exited 0.
enum PilotTransitions {
    /// Cycles a pilot may be missing from the batch system's answer before it
    /// counts as gone (Slurm forgets ended jobs after MinJobAge).
    static let missingCycles = 2
    static let vanished = "left the batch system without a final state (exit status unknown)"

    /// Gone without a state: not the pilot's fault as far as anyone knows.
    static func isVanished(_ record: PilotRecord) -> Bool { record.reason == vanished }

    static func apply(_ answer: PilotBatchState?, to record: PilotRecord, now: Double, logger: Logger) -> PilotRecord {
        var record = record
        guard let answer else {
            record.missing += 1
            if record.missing >= missingCycles {
                record.state = .failed
                record.reason = vanished
                record.endedAt = now
                logger.warning("pilot \(record.name) (\(record.batchID)) of \(record.queue) \(vanished)")
            }
            return record
        }
        record.missing = 0
        switch answer {
        case .queued:
            record.state = .queued
        case .running:
            if record.startedAt == nil { record.startedAt = now }
            record.state = .running
        case .held(let reason):
            if record.state != .held { record.heldAt = now }
            record.state = .held
            record.reason = reason
        case .done(let exit):
            record.exitCode = exit
            record.endedAt = now
            if exit == 0 {
                record.state = .finished
            } else {
                record.state = .failed
                record.reason = "exited with \(exit)"
                logger.warning("pilot \(record.name) (\(record.batchID)) of \(record.queue) exited with \(exit); see \(record.directory)/pilot.err")
            }
        case .failed(let reason, let exit):
            record.state = .failed
            record.reason = reason
            record.exitCode = exit
            record.endedAt = now
            logger.warning("pilot \(record.name) (\(record.batchID)) of \(record.queue) died in the batch system: \(reason)")
        case .unknown(let state):
            record.reason = "batch state \(state)"
        }
        return record
    }
}
