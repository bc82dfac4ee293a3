import PandaCore

extension QueueConfig {
    /// The longest walltime a job can be given here: `maxtime`, capped by
    /// what a fresh factory pilot offers when a factory feeds the queue.
    /// (Pilots started by hand bring their own lifetime, so a queue with no
    /// batch section is bounded by `maxtime` alone.)
    public var longestJob: TimeSpan {
        guard batch != nil else { return maxtime }
        return min(maxtime, PilotTimeBudget(slot: pilots.walltime).longestJob)
    }

    /// Why a job of `maxtime` cannot run here, or nil when it can: for
    /// `panda config check` and the submission error.
    public var walltimeNote: String? {
        guard longestJob < maxtime else { return nil }
        return "queue \(name): maxtime is \(maxtime) but its pilots (pilots.walltime \(pilots.walltime)) can give a job at most "
            + "\(longestJob); jobs without a walltime get \(longestJob), jobs asking for more are refused "
            + "(raise pilots.walltime to \(PilotTimeBudget.slot(forJob: maxtime)) to run jobs of \(maxtime))"
    }
}
