import Testing
import TestSupport

/// The databases a server test runs on: the SQLite file, and (unless
/// PANDA_TEST_POSTGRES=off) a fresh database on the test process's PostgreSQL.
///
/// ```swift
/// @Test("...", arguments: ServerBackend.all)
/// func something(_ backend: ServerBackend) async throws {
///     let server = try ServerProcess(database: try backend.database())
/// ```
enum ServerBackend: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static var all: [ServerBackend] { PostgresTestServer.isEnabled ? [.sqlite, .postgres] : [.sqlite] }

    var testDescription: String { rawValue == "sqlite" ? "SQLite" : "PostgreSQL" }

    /// server.database for a new server of this backend.
    func database() throws -> String {
        switch self {
        case .sqlite: return "sqlite:state/panda.db"
        case .postgres: return try ServerProcess.postgresDatabase()
        }
    }
}
