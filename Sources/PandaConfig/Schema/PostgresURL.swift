import PandaCore

/// A `postgres://` database URL, parsed and checked: who, where, which
/// database, and whether TLS is used. The password never appears here; it
/// comes from `server.database_password_file`.
///
/// ```yaml
/// database: postgres://panda@db.example.org:5432/panda?sslmode=verify-full
/// database: postgres://panda@/panda?host=/run/postgresql      # the Unix socket in that directory
/// ```
public struct PostgresURL: Sendable, Hashable {
    /// A TCP host, or the directory of the server's Unix socket.
    public enum Location: Sendable, Hashable {
        case tcp(host: String)
        case socket(directory: String)
    }

    /// The sslmode values panda honours (libpq's names and meaning, less the
    /// ones that fall back to plain text or skip the host name check).
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, require
        case verifyFull = "verify-full"
    }

    public var user: String
    public var location: Location
    public var port: Int
    public var database: String
    public var sslMode: SSLMode

    public static let defaultPort = 5432
    /// Debian's PostgreSQL puts its socket here.
    public static let defaultSocketDirectory = "/run/postgresql"

    public init(parsing text: String) throws(ValueParseError) {
        let expected = "expected postgres://USER@HOST[:PORT]/DB[?sslmode=disable|require|verify-full] or postgres://USER@/DB?host=/SOCKET/DIR"
        guard let schemeEnd = text.range(of: "://"), ["postgres", "postgresql"].contains(String(text[..<schemeEnd.lowerBound])) else {
            throw ValueParseError("'\(text)' is not a postgres:// URL; \(expected)")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var parameters: [(String, String)] = []
        if let question = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, let name = Self.decode(parts[0]), let value = Self.decode(parts[1]) else {
                    throw ValueParseError("'\(text)': malformed parameter '\(pair)'; \(expected)")
                }
                parameters.append((name, value))
            }
            rest = rest[..<question]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw ValueParseError("'\(text)' names no database; \(expected)") }
        let authority = rest[..<slash]
        guard let database = Self.decode(rest[rest.index(after: slash)...]), !database.isEmpty, !database.contains("/") else {
            throw ValueParseError("'\(text)' names no database (or a path, not a name); \(expected)")
        }
        guard let at = authority.lastIndex(of: "@"), let user = Self.decode(authority[..<at]), !user.isEmpty else {
            throw ValueParseError("'\(text)' names no user; \(expected)")
        }
        guard !user.contains(":") else {
            throw ValueParseError("'\(text)' carries a password; put it in the file server.database_password_file names (mode 0600), not in the URL")
        }
        var host = String(authority[authority.index(after: at)...])
        var port = Self.defaultPort
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
            guard let number = Int(host[host.index(after: colon)...]), (1...65535).contains(number) else {
                throw ValueParseError("'\(text)': the port must be a number from 1 to 65535")
            }
            port = number
            host = String(host[..<colon])
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var sslMode: SSLMode?
        for (name, value) in parameters {
            switch name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw ValueParseError("'\(text)': sslmode must be disable, require or verify-full, not '\(value)'")
                }
                sslMode = mode
            case "host":
                guard host.isEmpty else { throw ValueParseError("'\(text)' names the host twice (in the URL and as host=)") }
                host = value
            case "port":
                guard let number = Int(value), (1...65535).contains(number) else {
                    throw ValueParseError("'\(text)': the port must be a number from 1 to 65535")
                }
                port = number
            default:
                throw ValueParseError("'\(text)': unknown parameter '\(name)'; known: sslmode, host, port")
            }
        }
        if host.isEmpty { host = Self.defaultSocketDirectory }
        if host.hasPrefix("/") {
            guard sslMode == nil || sslMode == .disable else {
                throw ValueParseError("'\(text)': sslmode \(sslMode!.rawValue) does not apply to a Unix socket (\(host)); leave it out")
            }
            location = .socket(directory: host)
            self.sslMode = .disable
        } else {
            location = .tcp(host: host)
            // Across a network, the default checks the server's certificate and name.
            self.sslMode = sslMode ?? .verifyFull
        }
        self.user = user
        self.port = port
        self.database = database
    }

    /// Percent-decoding (`%2F` in a socket path); nil when malformed.
    private static func decode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let high = utf8.index(after: index)
                guard high < utf8.endIndex else { return nil }
                let low = utf8.index(after: high)
                guard low < utf8.endIndex, let value = UInt8(String(decoding: [utf8[high], utf8[low]], as: UTF8.self), radix: 16) else {
                    return nil
                }
                bytes.append(value)
                index = utf8.index(after: low)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
