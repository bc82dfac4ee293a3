import Foundation
import PandaCore

/// When the batch slot the pilot runs in ends, as the batch system says:
/// Slurm's `SLURM_JOB_END_TIME`, or `PANDA_SLOT_END` (Unix seconds) that
/// panda's own factory sets for systems that do not say.
///
/// ```swift
/// BatchSlot.end(environment: ProcessInfo.processInfo.environment)   // Date?
/// ```
enum BatchSlot {
    static let endVariables = ["SLURM_JOB_END_TIME", "PANDA_SLOT_END"]

    static func end(environment: [String: String]) -> Date? {
        for name in endVariables {
            if let text = environment[name], let seconds = Double(text), seconds > 0 {
                return Date(timeIntervalSince1970: seconds)
            }
        }
        return nil
    }

    /// The cores the batch system gave this slot, when it says.
    static func cores(environment: [String: String]) -> Int? {
        for name in ["SLURM_CPUS_ON_NODE", "NCPUS", "PBS_NP", "_CONDOR_NPROCS"] {
            if let text = environment[name], let count = Int(text), count > 0 { return count }
        }
        return nil
    }
}
