import Foundation
import GRDB
import PandaCore

/// The factories' reports: per-queue counts kept as each factory's latest
/// report, and one row per pilot (`factory_pilot_records`) replaced with
/// each report, so the monitor's pilot list reads an index, not JSON.
/// The jobs a pilot ran come from `stats_pilots`, which the sampler keeps
/// from the attempts that end, so reading them counts no job rows.
extension SQLiteJobStore {
    public func recordPilots(_ report: PilotReport, now: Double) async throws {
        let text = String(decoding: try JSONEncoder().encode(report.queues), as: UTF8.self)
        try await storeErrors {
            try await writer.write { db in
                try db.execute(sql: """
                    INSERT INTO factory_pilots (factory, report, reported_at) VALUES (?, ?, ?)
                    ON CONFLICT (factory) DO UPDATE SET report = excluded.report, reported_at = excluded.reported_at
                    """, arguments: [report.factory, text, now])
                // An older factory sends no per-pilot list: its records stay as they were.
                guard let pilots = report.pilots else { return }
                try db.execute(sql: "DELETE FROM factory_pilot_records WHERE factory = ?", arguments: [report.factory])
                let insert = try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO factory_pilot_records (factory, batch_system, batch_id, name, queue, state, submitted_at,
                        started_at, ended_at, exit_code, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for pilot in pilots {
                    try insert.execute(arguments: [report.factory, pilot.batchSystem.rawValue, pilot.batchID, pilot.name, pilot.queue,
                                                   pilot.state, pilot.submittedAt, pilot.startedAt, pilot.endedAt, pilot.exitCode,
                                                   pilot.reason])
                }
            }
        }
    }

    public func pilotReports() async throws -> [PilotReport] {
        try await storeErrors {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT factory, report, reported_at FROM factory_pilots ORDER BY reported_at DESC").map { row in
                    PilotReport(factory: row[0], queues: try JSONDecoder().decode([QueuePilots].self, from: Data((row[1] as String).utf8)),
                                reportedAt: row[2])
                }
            }
        }
    }

    public func pilots(_ filter: PilotFilter) async throws -> [FactoryPilot] {
        try await storeErrors { try await pool.read { db in try Self.pilots(db, filter) } }
    }

    static let pilotColumns = """
        p.factory, p.batch_system, p.batch_id, p.name, p.queue, p.state, p.submitted_at, p.started_at, p.ended_at, p.exit_code,
        p.reason, s.attempts
        """

    /// Each filter reads an index ending in `submitted_at` (or the name index), newest first.
    static func pilots(_ db: Database, _ filter: PilotFilter) throws -> [FactoryPilot] {
        let limit = max(1, min(filter.limit, 1000))
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let names = filter.names {
            guard !names.isEmpty else { return [] }
            let names = Array(names.prefix(limit))
            conditions.append("p.name IN (\(Array(repeating: "?", count: names.count).joined(separator: ", ")))")
            arguments += StatementArguments(names)
        }
        if let queue = filter.queue { conditions.append("p.queue = ?"); arguments += [queue] }
        if let state = filter.state { conditions.append("p.state = ?"); arguments += [state] }
        if let factory = filter.factory { conditions.append("p.factory = ?"); arguments += [factory] }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let rows = try Row.fetchAll(db, sql: """
            SELECT \(pilotColumns) FROM factory_pilot_records p LEFT JOIN stats_pilots s ON s.pilot = p.name
            \(whereClause) ORDER BY p.submitted_at DESC LIMIT ?
            """, arguments: arguments + [limit])
        return rows.map { row in
            var pilot = FactoryPilot(batchID: row[2], name: row[3], queue: row[4], batchSystem: BatchSystem(rawValue: row[1]) ?? .local,
                                     state: row[5], submittedAt: row[6], startedAt: row[7], endedAt: row[8], exitCode: row[9], reason: row[10])
            pilot.factory = row[0]
            pilot.jobsRun = (row[11] as Int?) ?? 0
            return pilot
        }
    }
}
