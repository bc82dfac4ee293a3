import PandaCore

/// The server's database: the embedded SQLite file or a PostgreSQL server.
///
/// ```yaml
/// database: sqlite:///var/lib/panda/panda.db     # absolute path
/// database: sqlite:state/panda.db                  # next to the configuration file
/// database: postgres://panda@db.example.org/panda
/// database: postgres://panda@/panda?host=/run/postgresql
/// ```
public enum DatabaseURL: Sendable, Hashable, TextCodable {
    case sqlite(path: String)
    case postgres(url: String)

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite://" + (path.hasPrefix("/") ? path : "/" + path)
        case .postgres(let url): return url
        }
    }

    public init(parsing text: String) throws(ValueParseError) {
        if text.hasPrefix("sqlite:") {
            var path = text.dropFirst("sqlite:".count)
            if path.hasPrefix("//") { path = path.dropFirst(2) }
            guard !path.isEmpty else { throw ValueParseError("'\(text)' names no database file") }
            self = .sqlite(path: String(path))
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            _ = try PostgresURL(parsing: text)
            self = .postgres(url: text)
        } else {
            throw ValueParseError("expected \(Self.expectation), got '\(text)'")
        }
    }
}

extension DatabaseURL {
    /// The PostgreSQL URL's parts; nil for SQLite. (Checked when the value was read.)
    public var postgres: PostgresURL? {
        guard case .postgres(let url) = self else { return nil }
        return try? PostgresURL(parsing: url)
    }
}

extension DatabaseURL: ConfigScalar {
    static var expectation: String { "sqlite:PATH or postgres://USER@HOST/DB" }
}
