import GRDB
import PandaCore

extension SQLiteJobStore {
    static func kill(_ db: Database, _ ids: [Int64], owner: String?, now: Double) throws -> [KillResult] {
        try ids.map { id in
            guard let job = try CurrentJob.fetch(db, id: id), owner == nil || owner == job.owner else {
                return KillResult(jobID: id, outcome: .notFound, state: nil)
            }
            if job.state.isFinal { return KillResult(jobID: id, outcome: .alreadyFinal, state: job.state) }
            if job.state.isDispatched {
                // Its pilot hears of it in the reply to its next update.
                try db.cachedStatement(sql: "UPDATE jobs SET command = 'kill' WHERE id = ?").execute(arguments: [id])
                return KillResult(jobID: id, outcome: .killRequested, state: job.state)
            }
            try JobMoves.cancel(db, job: job, code: .killedByUser, diagnostic: nil, now: now)
            return KillResult(jobID: id, outcome: .cancelled, state: .cancelled)
        }
    }

    /// Jobs whose pilots went quiet: sent and never reported, starting or
    /// running without a heartbeat, holding too long. A job that was asked to
    /// die and went quiet is taken as killed.
    static func sweep(_ db: Database, _ timeouts: SweepTimeouts, now: Double) throws -> SweepReport {
        var report = SweepReport()
        let rules: [(sql: String, cutoff: Double, code: ErrorCode)] = [
            ("SELECT id FROM jobs WHERE state = 'sent' AND state_changed_at < ? LIMIT 5000",
             now - timeouts.sent.seconds, .sentTimeout),
            ("SELECT id FROM jobs WHERE state IN ('starting', 'running') AND heartbeat_at < ? LIMIT 5000",
             now - timeouts.heartbeat.seconds, .lostHeartbeat),
            ("SELECT id FROM jobs WHERE state = 'holding' AND state_changed_at < ? LIMIT 5000",
             now - timeouts.holding.seconds, .holdingTimeout),
        ]
        for rule in rules {
            for id in try Int64.fetchAll(db.cachedStatement(sql: rule.sql), arguments: [rule.cutoff]) {
                guard let job = try CurrentJob.fetch(db, id: id) else { continue }
                if job.command == PilotCommand.kill.rawValue {
                    try JobMoves.cancel(db, job: job, code: .killedByServer, diagnostic: "kill not confirmed: \(rule.code.text)", now: now)
                    report.cancelled += 1
                } else if try JobMoves.fail(db, job: job, code: rule.code, diagnostic: nil, now: now) == .activated {
                    report.retried += 1
                } else {
                    report.failed += 1
                }
            }
        }
        try purgeTokens(db, now: now)
        try RequestKeys.purge(db, now: now)
        return report
    }
}
