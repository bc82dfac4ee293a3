import PandaCore
import PostgresNIO

extension PostgresJobStore {
    public func kill(_ ids: [Int64], owner: String?, now: Double) async throws -> [KillResult] {
        try await write { tx in try await Self.kill(tx, ids, owner: owner, now: now) }
    }

    static func kill(_ tx: PostgresWrite, _ ids: [Int64], owner: String?, now: Double) async throws -> [KillResult] {
        var results: [KillResult] = []
        for id in ids {
            guard let job = try await CurrentJob.fetch(tx.session, id: id), owner == nil || owner == job.owner else {
                results.append(KillResult(jobID: id, outcome: .notFound, state: nil))
                continue
            }
            if job.state.isFinal {
                results.append(KillResult(jobID: id, outcome: .alreadyFinal, state: job.state))
            } else if job.state.isDispatched {
                // Its pilot hears of it in the reply to its next update.
                try await tx.session.execute("UPDATE jobs SET command = 'kill' WHERE id = \(id)")
                results.append(KillResult(jobID: id, outcome: .killRequested, state: job.state))
            } else {
                try await PostgresJobMoves.cancel(tx, job: job, code: .killedByUser, diagnostic: nil, now: now)
                results.append(KillResult(jobID: id, outcome: .cancelled, state: .cancelled))
            }
        }
        return results
    }

    /// As `SQLiteJobStore.sweep`. The rows are taken FOR UPDATE SKIP LOCKED,
    /// so a job a pilot is reporting on right now is left for the next sweep
    /// instead of waited for, and the rule is checked again on the locked row.
    public func sweep(_ timeouts: SweepTimeouts, now: Double) async throws -> SweepReport {
        try await write { tx in
            var report = SweepReport()
            let rules: [(query: PostgresQuery, code: ErrorCode)] = [
                ("""
                 SELECT id FROM jobs WHERE state = 'sent' AND state_changed_at < \(now - timeouts.sent.seconds)
                 LIMIT 5000 FOR UPDATE SKIP LOCKED
                 """, .sentTimeout),
                ("""
                 SELECT id FROM jobs WHERE state IN ('starting', 'running') AND heartbeat_at < \(now - timeouts.heartbeat.seconds)
                 LIMIT 5000 FOR UPDATE SKIP LOCKED
                 """, .lostHeartbeat),
                ("""
                 SELECT id FROM jobs WHERE state = 'holding' AND state_changed_at < \(now - timeouts.holding.seconds)
                 LIMIT 5000 FOR UPDATE SKIP LOCKED
                 """, .holdingTimeout),
            ]
            for rule in rules {
                for row in try await tx.session.rows(rule.query) {
                    guard let job = try await CurrentJob.fetch(tx.session, id: try row[0]) else { continue }
                    if job.command == PilotCommand.kill.rawValue {
                        try await PostgresJobMoves.cancel(tx, job: job, code: .killedByServer,
                                                          diagnostic: "kill not confirmed: \(rule.code.text)", now: now)
                        report.cancelled += 1
                    } else if try await PostgresJobMoves.fail(tx, job: job, code: rule.code, diagnostic: nil, now: now) == .activated {
                        report.retried += 1
                    } else {
                        report.failed += 1
                    }
                }
            }
            try await tx.session.execute("DELETE FROM tokens WHERE expires_at < \(Int64(now) - 7 * 86_400)")
            try await PostgresRequestKeys.purge(tx.session, now: now)
            return report
        }
    }
}
