import Logging
import PandaCore

/// One log record per thing the server does to a job, with the fields an
/// operator filters on: under systemd `journalctl PANDA_JOB_ID=42` or
/// `journalctl PANDA_QUEUE=LOCAL` (JournalLogHandler), `job_id=42 queue=…`
/// on stderr otherwise.
///
/// ```swift
/// jobLog.dispatched(42, attempt: 1, queue: "LOCAL", node: "wn12", pilot: "pilot-7")
/// // job 42 attempt 1 sent to pilot pilot-7 on wn12   {job_id=42, queue=LOCAL, state=sent, attempt=1}
/// ```
struct JobLog: Sendable {
    let logger = Logger(label: "panda.jobs")

    /// Whether these records are written at all: dispatch and reports are
    /// the hot path, so their fields are not built for a level that drops them.
    private var logs: Bool { logger.logLevel <= .info }

    func submitted(_ jobs: [SubmittedJob], owner: String, task: Int64? = nil) {
        for job in jobs {
            logger.info("job \(job.id) submitted by \(owner) to \(job.queue)\(task.map { " (task \($0))" } ?? "")",
                        metadata: fields(job: job.id, queue: job.queue, state: job.state.rawValue))
        }
    }

    func submittedTask(_ task: Int64, jobs: Int, queues: [String: Int], owner: String) {
        let spread = queues.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var metadata: Logger.Metadata = ["task_id": "\(task)"]
        if queues.count == 1, let queue = queues.keys.first { metadata["queue"] = "\(queue)" }
        logger.info("task \(task) submitted by \(owner): \(jobs) jobs (\(spread))", metadata: metadata)
    }

    func dispatched(_ job: Int64, attempt: Int, queue: String, node: String, pilot: String) {
        guard logs else { return }
        var metadata = fields(job: job, queue: queue, state: JobState.sent.rawValue)
        metadata["attempt"] = "\(attempt)"
        metadata["node"] = "\(node)"
        // The node is the pilot's word: escaped, so it cannot forge a line of the log.
        logger.info("job \(job) attempt \(attempt) sent to pilot \(TerminalText.escaped(pilot)) on \(TerminalText.escaped(node))",
                    metadata: metadata)
    }

    /// A pilot's report and what it moved the job to. `queues` is the
    /// pilot token's (one queue, or nil for an admin's).
    func reported(_ update: JobUpdate, outcome: JobState, queues: [String]?) {
        guard logs else { return }
        var metadata = fields(job: update.jobID, queue: queues?.count == 1 ? queues?.first : nil, state: outcome.rawValue)
        metadata["attempt"] = "\(update.attempt)"
        if let code = update.errorCode { metadata["error_code"] = "\(code)" }
        let moved = outcome == update.state ? "" : ", now \(outcome.rawValue)"
        let error = update.errorCode.map { " [\($0)]" } ?? ""
        logger.info("job \(update.jobID) attempt \(update.attempt) reported \(update.state.rawValue)\(error)\(moved)", metadata: metadata)
    }

    private func fields(job: Int64, queue: String?, state: String) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["job_id": "\(job)", "state": "\(state)"]
        if let queue { metadata["queue"] = "\(queue)" }
        return metadata
    }
}
