/// A task's state, which its jobs decide; nothing stores it.
///
/// ```swift
/// TaskState(counts: [.finished: 8, .failed: 2], killed: false)   // .partiallyDone
/// ```
public enum TaskState: String, Sendable, Codable, CaseIterable {
    /// Some jobs have not ended.
    case running
    /// Every job finished.
    case done
    /// Every job ended; some finished, some did not.
    case partiallyDone = "partially_done"
    /// Every job ended and none finished.
    case failed
    /// Killed by its owner before any job finished.
    case cancelled

    public init(counts: [JobState: Int], killed: Bool) {
        let total = counts.values.reduce(0, +)
        let finished = counts[.finished] ?? 0
        let ended = finished + (counts[.failed] ?? 0) + (counts[.cancelled] ?? 0)
        if ended < total {
            self = .running
        } else if finished == total {
            self = .done
        } else if finished > 0 {
            self = .partiallyDone
        } else if killed || counts[.cancelled] == total {
            self = .cancelled
        } else {
            self = .failed
        }
    }

    public var isFinal: Bool { self != .running }
}
