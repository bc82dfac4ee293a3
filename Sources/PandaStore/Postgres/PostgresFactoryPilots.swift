import Foundation
import PandaCore
import PostgresNIO

/// The factories' reports on PostgreSQL, as on SQLite (`FactoryPilots.swift`):
/// each factory's latest per-queue counts, and one row per pilot replaced
/// with each report that lists them; the jobs a pilot ran come from
/// `stats_pilots`, which the sampler keeps.
extension PostgresJobStore {
    public func recordPilots(_ report: PilotReport, now: Double) async throws {
        let text = String(decoding: try JSONEncoder().encode(report.queues), as: UTF8.self)
        try await write { tx in
            try await tx.session.execute("""
                INSERT INTO factory_pilots (factory, report, reported_at) VALUES (\(report.factory), \(text), \(now))
                ON CONFLICT (factory) DO UPDATE SET report = excluded.report, reported_at = excluded.reported_at
                """)
            // An older factory sends no per-pilot list: its records stay as they were.
            guard let pilots = report.pilots else { return }
            try await tx.session.execute("DELETE FROM factory_pilot_records WHERE factory = \(report.factory)")
            for pilot in pilots {
                try await tx.session.execute("""
                    INSERT INTO factory_pilot_records (factory, batch_system, batch_id, name, queue, state, submitted_at,
                        started_at, ended_at, exit_code, reason)
                    VALUES (\(report.factory), \(pilot.batchSystem.rawValue), \(pilot.batchID), \(pilot.name), \(pilot.queue),
                        \(pilot.state), \(pilot.submittedAt), \(pilot.startedAt), \(pilot.endedAt), \(pilot.exitCode), \(pilot.reason))
                    ON CONFLICT (factory, batch_system, batch_id) DO UPDATE SET name = excluded.name, queue = excluded.queue,
                        state = excluded.state, submitted_at = excluded.submitted_at, started_at = excluded.started_at,
                        ended_at = excluded.ended_at, exit_code = excluded.exit_code, reason = excluded.reason
                    """)
            }
        }
    }

    public func pilotReports() async throws -> [PilotReport] {
        try await read { session in
            try await session.rows("SELECT factory, report, reported_at FROM factory_pilots ORDER BY reported_at DESC").map { row in
                PilotReport(factory: try row[0], queues: try JSONDecoder().decode([QueuePilots].self, from: Data((try row[1] as String).utf8)),
                            reportedAt: try row[2])
            }
        }
    }

    /// Absent filters are NULL parameters, which PostgreSQL folds away when it
    /// plans the statement with its values, so each filter reads its index.
    public func pilots(_ filter: PilotFilter) async throws -> [FactoryPilot] {
        let limit = max(1, min(filter.limit, 1000))
        if let names = filter.names, names.isEmpty { return [] }
        let names = filter.names.map { Array($0.prefix(limit)) }
        return try await read { session in
            try await session.rows("""
                SELECT p.factory, p.batch_system, p.batch_id, p.name, p.queue, p.state, p.submitted_at, p.started_at, p.ended_at,
                    p.exit_code, p.reason, s.attempts
                FROM factory_pilot_records p LEFT JOIN stats_pilots s ON s.pilot = p.name
                WHERE (\(names)::text[] IS NULL OR p.name = ANY(\(names)::text[]))
                    AND (\(filter.queue)::text IS NULL OR p.queue = \(filter.queue))
                    AND (\(filter.state)::text IS NULL OR p.state = \(filter.state))
                    AND (\(filter.factory)::text IS NULL OR p.factory = \(filter.factory))
                ORDER BY p.submitted_at DESC LIMIT \(limit)
                """).map { row in
                var pilot = FactoryPilot(batchID: try row[2], name: try row[3], queue: try row[4],
                                         batchSystem: BatchSystem(rawValue: try row[1]) ?? .local, state: try row[5],
                                         submittedAt: try row[6], startedAt: try row[7], endedAt: try row[8],
                                         exitCode: (try row[9] as Int64?).map { Int($0) }, reason: try row[10])
                pilot.factory = try row[0]
                pilot.jobsRun = (try row[11] as Int64?).map { Int($0) } ?? 0
                return pilot
            }
        }
    }
}
