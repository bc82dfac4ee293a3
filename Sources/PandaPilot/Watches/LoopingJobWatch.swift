import Foundation
import PandaCore

/// PanDA's looping job: no file under the work directory was modified for
/// the looping limit, so the payload is presumed stuck (1150).
struct LoopingJobWatch: Watch {
    let directory: String
    let limit: TimeSpan
    let started: ContinuousClock.Instant

    func check(now: ContinuousClock.Instant) -> JobFailure? {
        // Nothing can have been idle for longer than the payload has run.
        guard now - started > limit.duration else { return nil }
        guard let newest = DirectoryScan(directory).newestModification else { return nil }
        let idle = Date().timeIntervalSince(newest)
        guard idle > Double(limit.milliseconds) / 1000 else { return nil }
        return JobFailure(ErrorCode.loopingJob,
                          "no file in the work directory was modified for \(Int(idle)) s (looping limit \(limit))")
    }
}
