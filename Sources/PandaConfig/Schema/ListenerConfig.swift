import PandaCore

/// `server.connections`: what protects the listener from clients that
/// connect and never finish, or connect by the thousand.
///
/// ```yaml
/// server:
///   connections: { max: 10000, header_timeout: 60s, body_timeout: 60s, idle_timeout: 60s }
/// ```
/// The timeouts are nginx's defaults (`client_header_timeout`,
/// `client_body_timeout`, `keepalive_timeout`), which pilots and clients on
/// slow links have lived with for years.
public struct ListenerConfig: Sendable, Codable, Equatable {
    /// Open connections at once; past it a new connection gets 503 and is
    /// closed. Also capped below the process's open-file limit at start.
    public var maxConnections: Int
    /// From accepting a connection to the complete head of its first request.
    public var headerTimeout: TimeSpan
    /// From a request's head to the end of its body.
    public var bodyTimeout: TimeSpan
    /// A kept-alive connection's wait, after a reply, for the complete head of
    /// the next request.
    public var idleTimeout: TimeSpan

    enum CodingKeys: String, CodingKey {
        case maxConnections = "max", headerTimeout = "header_timeout", bodyTimeout = "body_timeout", idleTimeout = "idle_timeout"
    }

    public static let defaults = ListenerConfig(maxConnections: 10_000, headerTimeout: .seconds(60), bodyTimeout: .seconds(60),
                                                idleTimeout: .seconds(60))

    public init(maxConnections: Int, headerTimeout: TimeSpan, bodyTimeout: TimeSpan, idleTimeout: TimeSpan) {
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
    }

    init(reading r: ConfigReader) {
        let range = TimeSpan(milliseconds: 100)...TimeSpan.hours(1)
        let d = Self.defaults
        maxConnections = r.value("max", default: d.maxConnections, in: 1...1_000_000)
        headerTimeout = r.value("header_timeout", default: d.headerTimeout, in: range)
        bodyTimeout = r.value("body_timeout", default: d.bodyTimeout, in: range)
        idleTimeout = r.value("idle_timeout", default: d.idleTimeout, in: range)
        r.finish()
    }
}

/// The oldest TLS version the server accepts.
public enum TLSMinimumVersion: String, Sendable, Codable, CaseIterable, ConfigEnum {
    case tls12 = "1.2"
    case tls13 = "1.3"
}
