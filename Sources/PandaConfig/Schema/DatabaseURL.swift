/// The server's database: the embedded SQLite file or a PostgreSQL server.
///
/// ```yaml
/// database: sqlite:///var/lib/panda/panda.db     # absolute path
/// database: sqlite:state/panda.db                  # next to the configuration file
/// database: postgres://panda@db.example.org/panda
/// ```
public enum DatabaseURL: Sendable, Hashable, Codable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite://" + (path.hasPrefix("/") ? path : "/" + path)
        case .postgres(let url): return url
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        switch Self.parse(text) {
        case .success(let value): self = value
        case .failure(let problem):
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: problem.message))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension DatabaseURL: ConfigScalar {
    static var expectation: String { "sqlite:PATH or postgres://USER@HOST/DB" }

    static func parse(_ text: String) -> Result<DatabaseURL, ValueProblem> {
        if text.hasPrefix("sqlite:") {
            var path = text.dropFirst("sqlite:".count)
            if path.hasPrefix("//") { path = path.dropFirst(2) }
            guard !path.isEmpty else { return .failure(ValueProblem("'\(text)' names no database file")) }
            return .success(.sqlite(path: String(path)))
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            guard text.split(separator: "/", omittingEmptySubsequences: true).count >= 3 else {
                return .failure(ValueProblem("'\(text)' names no database; expected postgres://USER@HOST/DB"))
            }
            return .success(.postgres(url: text))
        }
        return .failure(ValueProblem("expected \(expectation), got '\(text)'"))
    }
}
