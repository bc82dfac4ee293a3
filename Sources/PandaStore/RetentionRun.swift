import Foundation

/// One pass of retention: the jobs that ended before the cutoff, batch by
/// batch, their log tarballs removed from storage first, then their rows.
///
/// ```swift
/// let run = RetentionRun(store: store, removeLog: { url in try await storage.delete(url) })
/// let report = try await run.run(endedBefore: now - 180 * 86_400, dryRun: false)
/// ```
/// The server runs it every `server.retention.interval` (on one server at a
/// time), and `panda db prune` on demand. `removeLog` is given by whoever
/// wires the roles: it knows the storage endpoints' schemes. A job whose log
/// tarball could not be removed keeps its rows until a later pass succeeds,
/// so nothing is left on storage that no job names.
public struct RetentionRun: Sendable {
    public let store: any RetentionStore
    public let removeLog: @Sendable (String) async throws -> Void
    /// Jobs per transaction: small enough that a pass never holds the
    /// writer (SQLite's one write lock) for long.
    public var batch: Int

    public init(store: any RetentionStore, batch: Int = 500, removeLog: @escaping @Sendable (String) async throws -> Void) {
        self.store = store
        self.batch = batch
        self.removeLog = removeLog
    }

    /// What a pass removed (or, dry, would remove).
    public struct Report: Sendable, Equatable {
        public var jobs = 0
        public var tasks = 0
        public var logs = 0
        /// Log tarballs that could not be removed, with why; their jobs stay.
        public var failures: [String] = []
        public init() {}
    }

    public func run(endedBefore cutoff: Double, dryRun: Bool) async throws -> Report {
        var report = Report()
        var after: Int64 = 0
        while true {
            let due = try await store.prunable(endedBefore: cutoff, after: after, limit: batch)
            guard let last = due.last else { break }
            after = last.id
            if dryRun {
                report.jobs += due.count
                report.logs += due.reduce(0) { $0 + $1.logs.count }
                continue
            }
            var removable: [Int64] = []
            for job in due {
                var removedAll = true
                for url in job.logs {
                    do {
                        try await removeLog(url)
                        report.logs += 1
                    } catch {
                        removedAll = false
                        report.failures.append("job \(job.id): \(url): \(error)")
                    }
                }
                if removedAll { removable.append(job.id) }
            }
            let removed = try await store.prune(removable, endedBefore: cutoff)
            report.jobs += removed.jobs
            report.tasks += removed.tasks
            if due.count < batch { break }
        }
        return report
    }
}
