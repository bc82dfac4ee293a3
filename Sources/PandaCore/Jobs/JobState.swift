/// Where a job is in its life, with PanDA's state names.
///
/// ```swift
/// JobState.sent.canMove(to: .running)      // true
/// JobState.finished.isFinal                // true
/// ```
/// ```
/// defined ─▶ assigned ─▶ activated ─▶ sent ─▶ starting ─▶ running ─▶ holding ─▶ finished
///    │           │            │         │          │          │          └──▶ failed
///    └───────────┴────────────┴─────────┴──────────┴──────────┴──▶ cancelled
/// ```
/// A failed attempt with attempts left starts again as `activated` with the
/// next attempt number; that is a new attempt, not a transition of this table.
public enum JobState: String, Sendable, Codable, CaseIterable, Comparable {
    /// Accepted, not yet brokered.
    case defined
    /// Brokered to a queue whose inputs are not yet resolvable there.
    case assigned
    /// Ready for a pilot of its queue.
    case activated
    /// Handed to a pilot, which has not yet reported.
    case sent
    /// The pilot is staging in.
    case starting
    /// The payload runs.
    case running
    /// The payload ended; outputs are not yet safely stored.
    case holding
    case finished
    case failed
    /// Killed, by its owner or an operator.
    case cancelled

    /// Every legal move, in one place. Anything else is refused (409).
    static let transitions: [JobState: Set<JobState>] = [
        .defined: [.assigned, .activated, .failed, .cancelled],
        .assigned: [.activated, .failed, .cancelled],
        .activated: [.assigned, .sent, .failed, .cancelled],
        // A fast payload may be reported finished before any running report.
        .sent: [.starting, .running, .holding, .finished, .failed, .cancelled],
        .starting: [.starting, .running, .holding, .finished, .failed, .cancelled],
        // running → running is a heartbeat.
        .running: [.running, .holding, .finished, .failed, .cancelled],
        .holding: [.holding, .finished, .failed, .cancelled],
        .finished: [], .failed: [], .cancelled: [],
    ]

    public func canMove(to next: JobState) -> Bool {
        Self.transitions[self]?.contains(next) ?? false
    }

    public var isFinal: Bool { self == .finished || self == .failed || self == .cancelled }

    /// States in which a pilot holds the job (it has a lease).
    public var isDispatched: Bool { [.sent, .starting, .running, .holding].contains(self) }

    /// States a pilot may report in an update.
    public var isPilotReportable: Bool { [.starting, .running, .holding, .finished, .failed].contains(self) }

    /// The order the monitor lists states in.
    public static func < (a: JobState, b: JobState) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
