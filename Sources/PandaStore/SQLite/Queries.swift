import Foundation
import GRDB
import PandaCore

extension SQLiteJobStore {
    static let statusColumns = """
        id, task_id, name, owner, queue, state, attempt, max_attempts, priority, error_code, error_diag,
        created_at, state_changed_at
        """

    static func status(from row: Row) -> JobStatus {
        JobStatus(id: row[0], taskID: row[1], name: row[2], owner: row[3], queue: row[4],
                  state: JobState(rawValue: row[5]) ?? .failed, attempt: row[6], maxAttempts: row[7], priority: row[8],
                  errorCode: row[9], errorDiag: row[10], createdAt: row[11], stateChangedAt: row[12])
    }

    static func status(_ db: Database, ids: [Int64], owner: String?) throws -> [JobStatus] {
        let statement = try db.cachedStatement(sql: "SELECT \(statusColumns) FROM jobs WHERE id = ?")
        return try ids.compactMap { id in
            guard let row = try Row.fetchOne(statement, arguments: [id]) else { return nil }
            let status = Self.status(from: row)
            return owner == nil || owner == status.owner ? status : nil
        }
    }

    static func describe(_ db: Database, id: Int64, owner: String?) throws -> JobDescription? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT \(statusColumns), spec, pilot, node, exit_code, cpu_seconds, max_rss, outputs, timings FROM jobs WHERE id = ?
            """, arguments: [id]) else { return nil }
        let status = Self.status(from: row)
        guard owner == nil || owner == status.owner else { return nil }
        let decoder = JSONDecoder()
        let spec = try decoder.decode(JobSpec.self, from: Data((row[13] as String).utf8))
        let outputs = try (row[19] as String?).map { try decoder.decode([StoredFile].self, from: Data($0.utf8)) } ?? []
        let timings = try (row[20] as String?).map { try decoder.decode(StepTimings.self, from: Data($0.utf8)) }
        let history = try Row.fetchAll(db, sql: """
            SELECT attempt, state, at, reason, error_code FROM job_events WHERE job_id = ? ORDER BY rowid
            """, arguments: [id]).map { event in
            JobEvent(attempt: event[0], state: JobState(rawValue: event[1]) ?? .failed, at: event[2], reason: event[3], errorCode: event[4])
        }
        let maxRSS = (row[18] as Int64?).map { ByteCount(bytes: $0) }
        let current = AttemptOutcome(
            attempt: status.attempt, state: status.state, queue: status.queue, pilot: row[14], node: row[15], exitCode: row[16],
            errorCode: status.errorCode, errorDiag: status.errorDiag, cpuSeconds: row[17], maxRSS: maxRSS, outputs: outputs,
            timings: timings, endedAt: status.state.isFinal ? status.stateChangedAt : nil)
        return JobDescription(status: status, spec: spec, pilot: row[14], node: row[15], exitCode: row[16],
                              cpuSeconds: row[17], maxRSS: maxRSS, outputs: outputs, timings: timings, history: history,
                              attempts: try earlierAttempts(db, id: id, before: status.attempt) + [current])
    }

    /// The outcomes of the attempts before the current one.
    static func earlierAttempts(_ db: Database, id: Int64, before attempt: Int) throws -> [AttemptOutcome] {
        let decoder = JSONDecoder()
        return try Row.fetchAll(db, sql: """
            SELECT attempt, state, queue, pilot, node, exit_code, error_code, error_diag, cpu_seconds, max_rss, outputs, timings, ended_at
            FROM job_attempts WHERE job_id = ? AND attempt < ? ORDER BY attempt
            """, arguments: [id, attempt]).map { row in
            AttemptOutcome(
                attempt: row[0], state: JobState(rawValue: row[1]) ?? .failed, queue: row[2], pilot: row[3], node: row[4],
                exitCode: row[5], errorCode: row[6], errorDiag: row[7], cpuSeconds: row[8],
                maxRSS: (row[9] as Int64?).map { ByteCount(bytes: $0) },
                outputs: try (row[10] as String?).map { try decoder.decode([StoredFile].self, from: Data($0.utf8)) } ?? [],
                timings: try (row[11] as String?).map { try decoder.decode(StepTimings.self, from: Data($0.utf8)) }, endedAt: row[12])
        }
    }

    static func summary(_ db: Database) throws -> StateSummary {
        var queues: [String: [String: Int]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT queue, state, n FROM state_counts WHERE n != 0") {
            queues[row[0], default: [:]][row[1]] = row[2]
        }
        return StateSummary(queues: queues)
    }
}
