import Logging
import PandaCore

/// How a pilot's record follows what its batch system says.
enum PilotTransitions {
    /// Cycles a pilot may be missing from the batch system's answer before it
    /// counts as gone (Slurm forgets ended jobs after MinJobAge).
    static let missingCycles = 2

    static func apply(_ answer: PilotBatchState?, to record: PilotRecord, now: Double, logger: Logger) -> PilotRecord {
        var record = record
        guard let answer else {
            record.missing += 1
            if record.missing >= missingCycles {
                // Gone without our seeing how it ended.
                record.state = record.startedAt == nil && record.state == .queued ? .failed : .finished
                record.reason = "left the batch system without a final state"
                record.endedAt = now
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
            record.state = exit == 0 || exit == nil ? .finished : .failed
            if let exit, exit != 0 {
                record.reason = "exited with \(exit)"
                logger.warning("pilot \(record.name) (\(record.batchID)) of \(record.queue) exited with \(exit); see \(record.directory)/pilot.err")
            }
        case .failed(let reason):
            record.state = .failed
            record.reason = reason
            record.endedAt = now
            logger.warning("pilot \(record.name) (\(record.batchID)) of \(record.queue) died in the batch system: \(reason)")
        case .unknown(let state):
            record.reason = "batch state \(state)"
        }
        return record
    }
}
