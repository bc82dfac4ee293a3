import Foundation
import GRDB
import PostgresNIO

/// One table as `SQLiteToPostgresCopy` moves it: the SQLite columns read,
/// the PostgreSQL column and type each goes to, and the target's identity
/// columns whose sequences must move past the copied ids.
struct CopyShape {
    enum ColumnType {
        case integer, real, text, boolean
    }

    let table: String
    let columns: [(name: String, type: ColumnType)]
    let filled: [(column: String, value: Int64)]
    let identities: [String]
    /// Whether a source row has a rowid to page by (a WITHOUT ROWID table pages by its key order).
    let hasRowID: Bool

    static func of(_ table: String, source: DatabaseQueue, target: PostgresSession) async throws -> CopyShape {
        let (sourceColumns, hasRowID) = try await source.read { db in
            let columns = try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", arguments: [table]).map { $0[0] as String }
            let withoutRowID = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = ?", arguments: [table])?
                .uppercased().contains("WITHOUT ROWID") ?? false
            return (columns, !withoutRowID)
        }
        let rows = try await target.rows("""
            SELECT column_name, data_type, is_identity FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = \(table) ORDER BY ordinal_position
            """)
        guard !rows.isEmpty else {
            throw SQLiteToPostgresCopy.CopyError("the PostgreSQL schema has no table \(table): is the target panda the same version as the source?")
        }
        var targetTypes: [String: ColumnType] = [:]
        var identities: [String] = []
        for row in rows {
            let name: String = try row[0]
            let type: String = try row[1]
            let identity: String = try row[2]
            targetTypes[name] = switch type {
            case "bigint", "integer", "smallint": .integer
            case "double precision", "real", "numeric": .real
            case "boolean": .boolean
            default: .text
            }
            if identity == "YES" { identities.append(name) }
        }
        var columns: [(String, ColumnType)] = []
        for name in sourceColumns {
            guard let type = targetTypes[name] else {
                if SQLiteToPostgresCopy.dropped.contains("\(table).\(name)") { continue }
                throw SQLiteToPostgresCopy.CopyError("\(table).\(name) has no column in the PostgreSQL schema: its values would be lost")
            }
            columns.append((name, type))
        }
        return CopyShape(table: table, columns: columns, filled: SQLiteToPostgresCopy.filled[table] ?? [],
                         identities: identities, hasRowID: hasRowID)
    }

    /// Copies every row, `batch` per INSERT; returns how many.
    func copy(_ source: DatabaseQueue, into target: PostgresSession, batch: Int) async throws -> Int {
        let names = columns.map { SQLiteToPostgresCopy.quoted($0.name) }.joined(separator: ", ")
        let targetNames = (columns.map(\.name) + filled.map(\.column)).map(SQLiteToPostgresCopy.quoted).joined(separator: ", ")
        // Explicit ids are kept: an identity column takes them only when told to.
        let overriding = identities.isEmpty ? "" : " OVERRIDING SYSTEM VALUE"
        let quotedTable = SQLiteToPostgresCopy.quoted(table)
        var copied = 0
        var lastRowID: Int64 = .min
        while true {
            let page: [Row] = try source.read { [hasRowID, copied, lastRowID] db in
                if hasRowID {
                    return try Row.fetchAll(db, sql: "SELECT rowid, \(names) FROM \(quotedTable) WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                            arguments: [lastRowID, batch])
                }
                // Key order, the table's own: a stopped server changes nothing between pages.
                return try Row.fetchAll(db, sql: "SELECT 0, \(names) FROM \(quotedTable) LIMIT ? OFFSET ?", arguments: [batch, copied])
            }
            if page.isEmpty { return copied }
            var bindings = PostgresBindings()
            var tuples: [String] = []
            var parameter = 0
            for row in page {
                var placeholders: [String] = []
                for (index, column) in columns.enumerated() {
                    try Self.bind(row[index + 1] as DatabaseValue, as: column.type, into: &bindings)
                    parameter += 1
                    placeholders.append("$\(parameter)")
                }
                for fill in filled {
                    bindings.append(fill.value)
                    parameter += 1
                    placeholders.append("$\(parameter)")
                }
                tuples.append("(" + placeholders.joined(separator: ", ") + ")")
            }
            try await target.execute(PostgresQuery(
                unsafeSQL: "INSERT INTO \(quotedTable) (\(targetNames))\(overriding) VALUES \(tuples.joined(separator: ", "))", binds: bindings))
            copied += page.count
            lastRowID = page.last![0]
        }
    }

    /// Moves each identity sequence past the largest id in the table, so the next one is new.
    func advanceSequences(_ target: PostgresSession) async throws {
        for column in identities {
            let table = SQLiteToPostgresCopy.quoted(self.table)
            let name = SQLiteToPostgresCopy.quoted(column)
            try await target.execute(PostgresQuery(unsafeSQL: """
                SELECT setval(pg_get_serial_sequence('\(table)', '\(column)'), m, true) FROM (SELECT max(\(name)) AS m FROM \(table)) AS t WHERE m IS NOT NULL
                """))
        }
    }

    /// One SQLite value as the target column's type.
    static func bind(_ value: DatabaseValue, as type: ColumnType, into bindings: inout PostgresBindings) throws {
        switch (value.storage, type) {
        case (.null, _): bindings.appendNull()
        case (.int64(let n), .integer): bindings.append(n)
        case (.int64(let n), .real): bindings.append(Double(n))
        case (.int64(let n), .boolean): bindings.append(n != 0)
        case (.int64(let n), .text): bindings.append(String(n))
        case (.double(let d), .real): bindings.append(d)
        case (.double(let d), .integer): bindings.append(Int64(d))
        case (.double(let d), .text): bindings.append(String(d))
        case (.double(let d), .boolean): bindings.append(d != 0)
        case (.string(let s), .text): bindings.append(s)
        case (.string(let s), _):
            throw SQLiteToPostgresCopy.CopyError("text '\(s.prefix(40))' where PostgreSQL expects a number")
        case (.blob(let data), .text): bindings.append(String(decoding: data, as: UTF8.self))
        case (.blob, _):
            throw SQLiteToPostgresCopy.CopyError("a blob where PostgreSQL expects a number")
        }
    }
}
