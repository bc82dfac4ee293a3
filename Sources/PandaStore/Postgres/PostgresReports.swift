import Foundation
import PandaCore
import PostgresNIO

/// A pilot's report waiting in the batch writer, answered once its batch
/// commits: `answer` with the reply or the refusal, `abort` when the batch
/// itself could not be committed.
struct PendingReport: Sendable {
    let update: JobUpdate
    let queues: [String]?
    let now: Double
    let answer: @Sendable (Result<UpdateReply, any Error>) -> Void
    let abort: @Sendable (any Error) -> Void
}

/// The reports of one batch, applied together: every report costs a few
/// round trips when each is a statement of its own, and the round trips —
/// not PostgreSQL's work — are what limit dispatch on a small machine. So
/// the batch locks all its reports' jobs in its first statement
/// (`PostgresBatchStart`), decides each report here by the rules both
/// stores share (`CurrentJob`), and moves all the plain ones (heartbeats and
/// moves that need nothing else) in its last (`PostgresWrite.flush`).
///
/// A report that needs more than a row update and an event (a failure, which
/// may start the next attempt; a finish that registers outputs; a stale
/// lease, which looks for the attempt's final state; a second report on a
/// job already in the batch) is left to `PostgresJobStore.apply`, which
/// runs after the plain ones are written, in the order the reports came.
enum PostgresReports {
    /// Decides the reports on their locked jobs: holds the plain moves on
    /// `tx` and returns how to answer those reports once the batch commits,
    /// with the reports left for `PostgresJobStore.apply`.
    static func decide(_ reports: [PendingReport], jobs: [Int64: CurrentJob], in tx: PostgresWrite)
        -> (completions: [@Sendable () -> Void], rest: [PendingReport]) {
        var seen = Set<Int64>()
        var completions: [@Sendable () -> Void] = []
        var rest: [PendingReport] = []
        for report in reports {
            guard seen.insert(report.update.jobID).inserted, let outcome = decide(report, job: jobs[report.update.jobID]) else {
                rest.append(report)
                continue
            }
            switch outcome {
            case .answered(let result):
                completions.append { report.answer(result) }
            case .move(let move, let job, let reply):
                tx.hold(move, of: job)
                completions.append { report.answer(.success(reply)) }
            }
        }
        return (completions, rest)
    }

    private enum Outcome {
        case answered(Result<UpdateReply, any Error>)
        case move(PlainMove, CurrentJob, UpdateReply)
    }

    /// What a report does to its (locked) job, or nil when it is not plain.
    /// The checks and their order are `PostgresJobStore.apply`'s.
    private static func decide(_ report: PendingReport, job: CurrentJob?) -> Outcome? {
        let update = report.update
        guard let job else { return .answered(.failure(StoreError.notFound(update.jobID))) }
        do {
            try job.check(in: report.queues)
            guard update.attempt == job.attempt, update.lease == job.lease else { return nil }
            if let reply = try job.repeatedFinal(update) { return .answered(.success(reply)) }
            // A finish that registers files (outputs, log) is written with the catalogue, not as a plain move.
            guard update.state != .failed, !(update.state == .finished && (job.outputDataset != nil || !(update.outputs ?? []).isEmpty))
            else { return nil }
            let move = try PlainMove(update, job: job, now: report.now)
            return .move(move, job, job.reply(after: update.state))
        } catch {
            return .answered(.failure(error))
        }
    }
}

/// One report's move as `PostgresWrite.flush` writes it: a plain report's,
/// or the first step of one `PostgresJobStore.apply` writes.
struct PlainMove: Encodable {
    let id: Int64
    let attempt: Int
    let state: String
    let at: Double
    let exitCode: Int?
    let cpuSeconds: Double?
    let maxRSS: Int64?
    let outputs: String?
    let timings: String?
    /// Whether the state changed (a heartbeat does not): only then an event, and counts.
    let moved: Bool
    /// The event's lease: the attempt's, kept on its final event.
    let lease: String?

    enum CodingKeys: String, CodingKey {
        case id, attempt, state, at, outputs, timings, moved, lease
        case exitCode = "exit_code", cpuSeconds = "cpu_seconds", maxRSS = "max_rss"
    }

    /// The report's figures, with the job moved to `state` (the reported
    /// state unless given: a failure keeps the row's state for the moves
    /// that follow it).
    init(_ update: JobUpdate, job: CurrentJob, now: Double, state: JobState? = nil) throws {
        let state = state ?? update.state
        id = job.id
        attempt = job.attempt
        self.state = state.rawValue
        at = now
        exitCode = update.exitCode
        cpuSeconds = update.cpuSeconds
        maxRSS = update.maxRSS?.bytes
        outputs = try update.outputs.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        timings = try update.timings.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        moved = state != job.state
        lease = state.isFinal ? job.lease : nil
    }
}
