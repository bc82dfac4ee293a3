import Foundation
import PandaCore

/// Removing ended jobs past their retention (`server.retention.jobs`), with
/// what is only about them: their state history, attempts, bound leases,
/// and, once none of its jobs is left, their task.
///
/// ```swift
/// let due = try await store.prunable(endedBefore: cutoff, after: 0, limit: 500)   // a read: what would go
/// // ... remove the log tarballs `due` names from storage ...
/// let removed = try await store.prune(due.map(\.id), endedBefore: cutoff)
/// ```
/// Two steps, so the log tarballs can be removed from storage before the
/// rows that name them: a tarball whose removal failed keeps its job for the
/// next run instead of becoming a file nothing points to. A job of a task
/// goes only with the whole task (every job ended before the cutoff), so a
/// task never shows a part of its jobs. The counts per queue and state are
/// lowered with the rows, so the monitor's live figures stay those of the
/// jobs that exist; the history charts read the samples, which keep their
/// own retention.
public protocol RetentionStore: Sendable {
    /// Up to `limit` jobs due for removal with ids above `after`, lowest id
    /// first, with the log tarballs their attempts left that no catalogued
    /// dataset lists. A read.
    func prunable(endedBefore cutoff: Double, after: Int64, limit: Int) async throws -> [PrunableJob]
    /// Removes those of `ids` that are still ended before `cutoff` (a retry
    /// since `prunable` keeps its job), in one durable step.
    func prune(_ ids: [Int64], endedBefore cutoff: Double) async throws -> PruneResult
}

/// A job due for removal and the log tarballs to remove from storage first.
public struct PrunableJob: Sendable, Equatable {
    public var id: Int64
    /// The URLs of its attempts' log tarballs (each at most once).
    public var logs: [String]

    public init(id: Int64, logs: [String]) {
        self.id = id
        self.logs = logs
    }
}

/// What one `prune` removed.
public struct PruneResult: Sendable, Equatable {
    public var jobs = 0
    public var tasks = 0
    public init() {}
}

/// Reading the log tarballs out of the `outputs` columns, the same for both
/// backends.
enum PrunableLogs {
    static let endedStates = "('finished', 'failed', 'cancelled')"

    /// The log tarballs in one `outputs` value (JSON of `[StoredFile]`).
    static func logs(in outputs: String?) -> [StoredFile] {
        guard let outputs, let files = try? JSONDecoder().decode([StoredFile].self, from: Data(outputs.utf8)) else { return [] }
        return files.filter(\.isLog)
    }
}
