/// How a factory pilot's batch slot (`pilots.walltime`) is spent, and so the
/// longest job a fresh pilot of the queue can take. The one definition the pilot (its reserve),
/// factory (the pilot's `--lifetime`), the server (the walltime a job
/// without one gets, and brokerage) and `panda config check` share.
///
/// ```swift
/// PilotTimeBudget(slot: .hours(1)).longestJob   // 53m: 1h − 1m (stop before the batch kill) − 5m (reserve) − 1m (start-up)
/// ```
/// Matching compares a job's walltime with the time the pilot has left, so
/// a queue whose `pilots.walltime` equals its `maxtime` could never run a
/// job of `maxtime`; jobs that name no walltime get `min(maxtime, longestJob)`
/// instead of `maxtime`, and asking for more than `longestJob` is refused at
/// submission, with both figures in the message.
public struct PilotTimeBudget: Sendable, Equatable {
    public let slot: TimeSpan

    public init(slot: TimeSpan) { self.slot = slot }

    /// What the factory gives the pilot as `--lifetime`: it stops a little
    /// before the batch system would kill it.
    public var lifetime: TimeSpan {
        TimeSpan(milliseconds: slot.milliseconds - min(60_000, slot.milliseconds / 10))
    }

    /// Time the pilot keeps back at the end for stage-out and its final report
    /// (the pilot's own rule: 10 % of its lifetime, at most 5 minutes).
    public static func reserve(lifetime: TimeSpan) -> TimeSpan {
        TimeSpan(milliseconds: min(TimeSpan.minutes(5).milliseconds, lifetime.milliseconds / 10))
    }

    /// Allowed for the pilot's start: node checks, job recovery, the first acquire.
    public var startUp: TimeSpan { TimeSpan(milliseconds: min(60_000, lifetime.milliseconds / 20)) }

    /// The longest walltime a fresh pilot can offer a job.
    public var longestJob: TimeSpan {
        let life = lifetime
        return TimeSpan(milliseconds: max(0, life.milliseconds - Self.reserve(lifetime: life).milliseconds - startUp.milliseconds))
    }
}

extension PilotTimeBudget {
    /// The smallest slot (to the minute) whose pilots can take a job of `walltime`.
    public static func slot(forJob walltime: TimeSpan) -> TimeSpan {
        var minutes = max(1, (walltime.milliseconds + 59_999) / 60_000)
        while PilotTimeBudget(slot: .minutes(minutes)).longestJob < walltime { minutes += 1 }
        return .minutes(minutes)
    }
}
