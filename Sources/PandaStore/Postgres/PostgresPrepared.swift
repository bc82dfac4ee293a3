import PostgresNIO

/// The text of one statement on the hot path (claim, report, event,
/// counters), prepared once per connection and then only bound and run:
/// PostgreSQL parses and plans it once, not at every dispatch.
///
/// ```swift
/// enum FetchJob: HotStatement { static let sql = "SELECT state FROM jobs WHERE id = $1 FOR UPDATE" }
/// let rows = try await session.run(FetchJob.self, binds)
/// ```
protocol HotStatement {
    static var sql: String { get }
}

/// postgres-nio's prepared statement for a `HotStatement`, named after it.
struct PreparedHotStatement<Text: HotStatement>: PostgresPreparedStatement {
    typealias Row = PostgresRow
    static var name: String { "panda_\(Text.self)" }
    static var sql: String { Text.sql }
    let bindings: PostgresBindings

    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

extension PostgresSession {
    @discardableResult
    func run<Text: HotStatement>(_ text: Text.Type, _ bindings: PostgresBindings) async throws -> [PostgresRowValues] {
        var rows: [PostgresRowValues] = []
        for try await row in try await connection.execute(PreparedHotStatement<Text>(bindings: bindings), logger: logger) {
            rows.append(PostgresRowValues(row: row.makeRandomAccess()))
        }
        return rows
    }
}
