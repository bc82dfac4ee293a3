/// Every Slurm job state (squeue's and sacct's long names), and what it
/// becomes for a pilot, with the reason an operator reads.
///
/// ```swift
/// SlurmStates.state("NODE_FAIL", reason: "None", exit: nil)   // .failed("its node failed (NODE_FAIL)")
/// ```
enum SlurmStates {
    static func state(_ name: String, reason: String, exit: WaitStatus?) -> PilotBatchState {
        let why = reason.isEmpty || reason == "None" ? "" : " (\(reason))"
        switch name {
        case "PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_FED", "RESIZING":
            return reason.contains("Held") ? .held(reason: reason) : .queued
        case "REQUEUE_HOLD", "RESV_DEL_HOLD":
            return .held(reason: name.lowercased() + why)
        case "RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING":
            return .running
        case "SUSPENDED", "STOPPED":
            return .held(reason: name.lowercased())
        case "COMPLETED":
            return .done(exit: 0)
        case "FAILED":
            // The pilot's own non-zero exit or signal; else Slurm's reason
            // (JobLaunchFailure: the node could not start it).
            if why.isEmpty || reason == "NonZeroExitCode", let exit, exit.signal != 0 || exit.exit != 0 { return exit.state }
            return .failed(reason: "failed in Slurm\(why)")
        default:
            guard let text = endings[name] else { return .unknown(name) }
            return .failed(reason: text + " (\(name))" + why,
                           exit: exit.flatMap { $0.signal == 0 && $0.exit != 0 ? $0.exit : nil })
        }
    }

    /// The states in which Slurm ended a pilot that did not end by itself.
    static let endings: [String: String] = [
        "CANCELLED": "cancelled in Slurm",
        "TIMEOUT": "reached its Slurm time limit",
        "NODE_FAIL": "its node failed",
        "BOOT_FAIL": "its node failed to boot",
        "OUT_OF_MEMORY": "ran out of memory",
        "PREEMPTED": "preempted by a higher-priority job",
        "DEADLINE": "reached its deadline before it could run",
        "REVOKED": "revoked (started on another cluster of the federation)",
        "SPECIAL_EXIT": "requeued in a special exit state",
    ]
}
