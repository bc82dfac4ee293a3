import PandaCore

/// One thing the pilot watches while a payload runs. Each watch is its own
/// small type; the monitor asks every watch in turn at each tick and stops
/// the payload on the first verdict.
///
/// ```swift
/// var watch = LoopingJobWatch(directory: work, limit: .hours(2))
/// if let failure = watch.check(now: .now) { payload.stop(failure) }
/// ```
protocol Watch: Sendable {
    /// A failure when the payload must be stopped, nil while all is well.
    mutating func check(now: ContinuousClock.Instant) -> JobFailure?
}

/// The watches a job gets from its limits.
enum Watches {
    static func all(for job: DispatchedJob, payload: PayloadProcess, directory: String, stdout: String, stderr: String,
                    deadline: ContinuousClock.Instant, deadlineReason: String) -> [any Watch] {
        [
            WalltimeWatch(deadline: deadline, reason: deadlineReason),
            MemoryWatch(group: payload.pid, limit: job.limits.memory),
            OutputSizeWatch(files: [stdout, stderr], limit: job.limits.stdoutLimit),
            WorkDirectorySizeWatch(directory: directory, limit: job.limits.disk),
            LoopingJobWatch(directory: directory, limit: job.limits.loopingLimit, started: payload.started),
            DiskSpaceWatch(directory: directory),
        ]
    }
}
