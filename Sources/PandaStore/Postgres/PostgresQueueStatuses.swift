import PandaCore
import PostgresNIO

extension PostgresJobStore {
    public func setQueueStatus(_ setting: QueueStatusSetting) async throws {
        try await write { tx in
            try await tx.session.execute("""
                INSERT INTO queue_statuses (queue, status, set_by, set_at)
                VALUES (\(setting.queue), \(setting.status.rawValue), \(setting.setBy), \(setting.setAt))
                ON CONFLICT (queue) DO UPDATE SET status = excluded.status, set_by = excluded.set_by, set_at = excluded.set_at
                """)
        }
    }

    public func queueStatusSettings() async throws -> [QueueStatusSetting] {
        try await read { session in
            try await session.rows("SELECT queue, status, set_by, set_at FROM queue_statuses ORDER BY queue COLLATE \"C\"")
                .compactMap { row -> QueueStatusSetting? in
                    let status: String = try row[1]
                    guard let known = QueueStatus(rawValue: status) else { return nil }
                    return QueueStatusSetting(queue: try row[0], status: known, setBy: try row[2], setAt: try row[3])
                }
        }
    }
}
