import Logging
import PostgresNIO

/// One connection as the store's SQL uses it: statements with bound values,
/// rows read by column position.
///
/// ```swift
/// let rows = try await session.rows("SELECT id, state FROM jobs WHERE owner = \(owner)")
/// let id: Int64 = try rows[0][0]
/// ```
struct PostgresSession {
    let connection: PostgresConnection
    let logger: Logger

    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRowValues] {
        try await connection.query(query, logger: logger).collect().map { PostgresRowValues(row: $0.makeRandomAccess()) }
    }

    func one(_ query: PostgresQuery) async throws -> PostgresRowValues? {
        try await rows(query).first
    }

    /// The first column of the first row, or nil when there is no row (or it is NULL).
    func value<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T? where T._DecodableType == T {
        guard let row = try await one(query) else { return nil }
        return try row[0] as T?
    }

    func execute(_ query: PostgresQuery) async throws {
        try await connection.query(query, logger: logger).collect()
    }
}

/// A row's columns by position: `let id: Int64 = try row[0]`.
struct PostgresRowValues {
    let row: PostgresRandomAccessRow

    subscript<T: PostgresDecodable>(_ index: Int) -> T {
        get throws { try row[index].decode(T.self) }
    }
}

/// What can be retried: a serialization failure or a deadlock, wherever
/// postgres-nio wrapped it (a transaction's error holds the closure's or the
/// commit's error, which holds the server's SQLSTATE).
enum PostgresRetry {
    static let retryableStates: Set<String> = ["40001", "40P01"]
    static let attempts = 8

    static func isRetryable(_ error: any Error) -> Bool {
        sqlState(of: error).map(retryableStates.contains) ?? false
    }

    static func sqlState(of error: any Error) -> String? {
        if let error = error as? PSQLError { return error.serverInfo?[.sqlState] }
        if let error = error as? PostgresTransactionError {
            for inner in [error.closureError, error.commitError, error.beginError, error.rollbackError] {
                if let inner, let state = sqlState(of: inner) { return state }
            }
        }
        return nil
    }

    /// The server's message when there is one, rather than postgres-nio's
    /// generic description (which hides it by design).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError, let info = error.serverInfo {
            return "\(info[.severity] ?? "ERROR") \(info[.sqlState] ?? "?"): \(info[.message] ?? "\(error)")"
        }
        if let error = error as? PostgresTransactionError {
            for inner in [error.closureError, error.commitError, error.beginError, error.rollbackError] {
                if let inner { return describe(inner) }
            }
        }
        return String(reflecting: error)
    }
}

/// Bindings from values, in order ($1, $2, ...); nil binds NULL.
func bindings(_ values: (any PostgresDynamicTypeEncodable)?...) -> PostgresBindings {
    bindings(values)
}

func bindings(_ values: [(any PostgresDynamicTypeEncodable)?]) -> PostgresBindings {
    var bindings = PostgresBindings(capacity: values.count)
    for value in values {
        if let value { bindings.append(value) } else { bindings.appendNull() }
    }
    return bindings
}
