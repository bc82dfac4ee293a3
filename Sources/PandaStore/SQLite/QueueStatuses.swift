import GRDB
import PandaCore

extension SQLiteJobStore {
    static func createQueueStatuses(_ db: Database) throws {
        try db.execute(sql: """
            -- Statuses operators set (panda queue drain|online), over the configuration's.
            CREATE TABLE queue_statuses (
                queue TEXT PRIMARY KEY,
                status TEXT NOT NULL,
                set_by TEXT NOT NULL,
                set_at REAL NOT NULL
            ) WITHOUT ROWID;
            """)
    }

    public func setQueueStatus(_ setting: QueueStatusSetting) async throws {
        try await storeErrors {
            try await writer.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO queue_statuses (queue, status, set_by, set_at) VALUES (?, ?, ?, ?)",
                               arguments: [setting.queue, setting.status.rawValue, setting.setBy, setting.setAt])
            }
        }
    }

    public func queueStatusSettings() async throws -> [QueueStatusSetting] {
        try await storeErrors {
            try await pool.read { db in
                // A status this version does not know (written by a newer one) is left out, not guessed.
                try Row.fetchAll(db, sql: "SELECT queue, status, set_by, set_at FROM queue_statuses ORDER BY queue").compactMap { row in
                    QueueStatus(rawValue: row[1]).map { QueueStatusSetting(queue: row[0], status: $0, setBy: row[2], setAt: row[3]) }
                }
            }
        }
    }
}
