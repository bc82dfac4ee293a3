import Foundation
import GRDB
import Logging
import PostgresNIO

/// `panda db copy`: every table of a SQLite store into an empty PostgreSQL
/// store, in one PostgreSQL transaction, so the target has all of it or
/// none of it.
///
/// ```swift
/// let report = try await SQLiteToPostgresCopy.run(from: "/var/lib/panda/panda.db", to: settings, logger: logger)
/// for table in report.tables { print(table.name, table.rows) }
/// ```
/// The copy is table by table in batches, columns matched by name (the
/// two schemas are the same migrations), values converted to the target
/// column's type; then every identity sequence is moved past the largest id
/// copied, so new jobs, tasks, datasets and files number on from the old
/// ones; then the rows of every table are counted on both sides. Leases,
/// attempts and their history are rows like any other: a pilot holding a
/// lease from the SQLite server goes on with it against PostgreSQL.
///
/// The server must be stopped: the copy holds the SQLite file's singleton
/// lock (`<database>.lock`) for its whole run and refuses to start while a
/// server holds it.
public enum SQLiteToPostgresCopy {
    /// What one table's copy did.
    public struct TableCopy: Sendable {
        public let name: String
        public let rows: Int
    }

    public struct Report: Sendable {
        public let tables: [TableCopy]
    }

    public struct CopyError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Rows per INSERT: 500 rows of the widest table stay far below PostgreSQL's 65,535 bound parameters.
    static let batch = 500

    /// Tables that are not data: GRDB's migration record and the health probe's scratch row.
    static let skipped: Set<String> = ["grdb_migrations", "store_probe"]

    /// Source columns the PostgreSQL schema does not keep: SQLite's v7 migration moved
    /// task request ids into request_keys, and PostgreSQL's schema never had them.
    static let dropped: Set<String> = ["tasks.request_id"]

    /// Target columns that SQLite has no counterpart for, with the value to give them.
    static let filled: [String: [(column: String, value: Int64)]] = [
        // PostgreSQL keeps each (queue, state) count in shards summed on read; one shard holds the copied total.
        "state_counts": [("shard", 0)],
    ]

    public static func run(from database: String, to settings: PostgresSettings, logger: Logger) async throws -> Report {
        guard FileManager.default.fileExists(atPath: database) else { throw CopyError("no SQLite database at \(database)") }
        let lock = FileSingletonLock(path: FileSingletonLock.path(forDatabase: database))
        guard await lock.hold(.sweeper) else {
            throw CopyError("\(database) is in use: a panda server holds \(lock.path); stop it (systemctl stop panda-server) and copy again")
        }
        defer { Task { await lock.releaseAll() } }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "panda-copy"
        let source = try DatabaseQueue(path: database, configuration: configuration)
        defer { try? source.close() }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: try PostgresSingletonLock.configuration(settings), id: 1, logger: logger)
        } catch {
            throw CopyError("cannot connect to PostgreSQL database \(settings.database): \(PostgresRetry.describe(error))")
        }
        let target = PostgresSession(connection: connection, logger: logger)
        do {
            try await PostgresSchema.migrate(target)
            let report = try await copy(source, into: target)
            try? await connection.close()
            return report
        } catch let error as CopyError {
            try? await connection.close()
            throw error
        } catch {
            try? await connection.close()
            throw CopyError("copy failed, nothing was kept in \(settings.database): \(PostgresRetry.describe(error))")
        }
    }

    private static func copy(_ source: DatabaseQueue, into target: PostgresSession) async throws -> Report {
        let tables = try await source.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }.filter { !skipped.contains($0) }
        // The trigger on job_events appends to stats_attempt_ends: copy that table last, over what the trigger made.
        let ordered = tables.filter { $0 != "stats_attempt_ends" } + tables.filter { $0 == "stats_attempt_ends" }
        var shapes: [String: CopyShape] = [:]
        for table in ordered {
            shapes[table] = try await CopyShape.of(table, source: source, target: target)
        }
        for table in ordered where try await count(table, in: target) > 0 {
            throw CopyError("the target is not empty (\(table) has rows): copy into a new, empty database")
        }
        try await target.execute("BEGIN")
        do {
            var copied: [TableCopy] = []
            for table in ordered {
                let shape = shapes[table]!
                if table == "stats_attempt_ends" { try await target.execute("DELETE FROM stats_attempt_ends") }
                copied.append(TableCopy(name: table, rows: try await shape.copy(source, into: target, batch: batch)))
            }
            for table in ordered { try await shapes[table]!.advanceSequences(target) }
            // Counted inside the transaction: a table that came out short keeps nothing.
            for table in copied {
                let there = try await count(table.name, in: target)
                guard there == table.rows else {
                    throw CopyError("\(table.name): \(table.rows) rows read from SQLite but \(there) in PostgreSQL; nothing was kept")
                }
            }
            try await target.execute("COMMIT")
            return Report(tables: copied)
        } catch {
            try? await target.execute("ROLLBACK")
            throw error
        }
    }

    static func count(_ table: String, in target: PostgresSession) async throws -> Int {
        Int(try await target.value(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(quoted(table))"), as: Int64.self) ?? 0)
    }

    /// A name as an SQL identifier; names come from the schemas, never from a user.
    static func quoted(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
