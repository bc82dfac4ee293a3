import GRDB
import PandaCore

/// Which index serves a job list filtered by queue and state together,
/// chosen from the state counters the store keeps anyway (SQLite has no
/// statistics of its own here, and without them it walks `jobs_state` —
/// every failed job of every queue — to find one queue's failures).
///
/// - few matching jobs: read exactly them through `jobs_dispatch` (queue,
///   state, ...) and sort them by id;
/// - many: walk the newest ids of the smaller of the two (the queue's jobs
///   or the state's), testing the other condition on each row, until the
///   page is full — the matches are dense there.
enum JobListIndexChoice: Equatable {
    case dispatchIndex
    case queueIndex
    case stateIndex

    /// Up to this many matching jobs are read whole and sorted.
    static let sortedAtMost = 5000

    static func choose(_ db: Database, queues: [String], state: JobState) throws -> JobListIndexChoice {
        let marks = Array(repeating: "?", count: queues.count).joined(separator: ", ")
        let inQueues = try Row.fetchAll(db, sql: "SELECT state, n FROM state_counts WHERE queue IN (\(marks))",
                                        arguments: StatementArguments(queues))
        let matching = inQueues.reduce(0) { $0 + ((($1[0] as String) == state.rawValue) ? ($1[1] as Int) : 0) }
        guard matching > sortedAtMost else { return .dispatchIndex }
        let queueTotal = inQueues.reduce(0) { $0 + ($1[1] as Int) }
        // A table of queues × states rows: read whole, like the summary does.
        let stateTotal = try Int.fetchOne(db, sql: "SELECT coalesce(sum(n), 0) FROM state_counts WHERE state = ?",
                                          arguments: [state.rawValue]) ?? 0
        return queueTotal <= stateTotal ? .queueIndex : .stateIndex
    }
}
