import Foundation
import GRDB
import PandaCore

/// The factory's memory of its pilots: a small SQLite file, so a restarted
/// factory goes on watching the pilots it already has in the batch system.
///
/// ```swift
/// let ledger = try PilotLedger(path: "/var/lib/panda/factory.db")
/// try ledger.add(records)
/// let active = try ledger.active(queue: "BNL_PROD")
/// ```
final class PilotLedger: Sendable {
    private let database: DatabaseQueue

    init(path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        database = try DatabaseQueue(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 pilots") { db in
            try db.execute(sql: """
                CREATE TABLE pilots (
                    system TEXT NOT NULL,
                    batch_id TEXT NOT NULL,
                    queue TEXT NOT NULL,
                    name TEXT NOT NULL,
                    state TEXT NOT NULL,
                    reason TEXT,
                    exit_code INTEGER,
                    submitted_at REAL NOT NULL,
                    started_at REAL,
                    ended_at REAL,
                    held_at REAL,
                    directory TEXT NOT NULL,
                    missing INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (system, batch_id)
                );
                CREATE INDEX pilots_queue_state ON pilots(queue, state);
                """)
        }
        try migrator.migrate(database)
    }

    func add(_ records: [PilotRecord]) throws {
        try database.write { db in for record in records { try record.insert(db) } }
    }

    /// The placeholder id of a pilot not yet known to its batch system.
    static func placeholder(_ name: String) -> String { "submitting:" + name }

    /// A pilot being submitted gets its batch id and state.
    func adopt(_ record: PilotRecord, batchID: String, state: PilotRecord.State, at now: Double) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE pilots SET batch_id = ?, state = ?, started_at = ? WHERE system = ? AND batch_id = ?",
                           arguments: [batchID, state.rawValue, state == .running ? now : nil, record.system.rawValue, record.batchID])
        }
    }

    /// Pilots recorded as submitting: the submission of an earlier cycle or
    /// run that did not come back with their ids.
    func submitting(queue: String) throws -> [PilotRecord] {
        try database.read { db in
            try PilotRecord.filter(PilotRecord.CodingKeys.queue == queue)
                .filter(PilotRecord.CodingKeys.state == PilotRecord.State.submitting.rawValue).fetchAll(db)
        }
    }

    func remove(_ record: PilotRecord) throws {
        _ = try database.write { db in try record.delete(db) }
    }

    func save(_ records: [PilotRecord]) throws {
        guard !records.isEmpty else { return }
        try database.write { db in for record in records { try record.update(db) } }
    }

    /// Queued, running and held pilots of a queue.
    func active(queue: String) throws -> [PilotRecord] {
        try database.read { db in
            try PilotRecord.filter(PilotRecord.CodingKeys.queue == queue)
                .filter([PilotRecord.State.queued.rawValue, PilotRecord.State.running.rawValue, PilotRecord.State.held.rawValue]
                    .contains(PilotRecord.CodingKeys.state))
                .fetchAll(db)
        }
    }

    /// Pilots of a queue that ended after `since`, by state.
    func ended(queue: String, since: Double) throws -> (finished: Int, failed: Int) {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT state, count(*) FROM pilots WHERE queue = ? AND state IN ('finished', 'failed') AND ended_at >= ? GROUP BY state
                """, arguments: [queue, since])
            var counts = (finished: 0, failed: 0)
            for row in rows {
                if (row[0] as String) == "finished" { counts.finished = row[1] } else { counts.failed = row[1] }
            }
            return counts
        }
    }

    /// Removes pilots that ended before `before`; returns them (to clean up their directories).
    func forget(endedBefore before: Double) throws -> [PilotRecord] {
        try database.write { db in
            let old = try PilotRecord.filter(PilotRecord.CodingKeys.endedAt < before).fetchAll(db)
            for record in old { try record.delete(db) }
            return old
        }
    }

    /// The newest pilots known to the batch system (not those still
    /// being submitted), at most `limit`: what the factory reports one by one.
    func recent(limit: Int) throws -> [PilotRecord] {
        try database.read { db in
            try PilotRecord.filter(PilotRecord.CodingKeys.state != PilotRecord.State.submitting.rawValue)
                .order(PilotRecord.CodingKeys.submittedAt.desc).limit(limit).fetchAll(db)
        }
    }

    func all() throws -> [PilotRecord] {
        try database.read { db in try PilotRecord.order(PilotRecord.CodingKeys.submittedAt).fetchAll(db) }
    }
}
