import PandaCore

/// `server.connections` (and `monitor.connections`): what protects a
/// listener from clients that connect and never finish, never read their
/// answer, or connect by the thousand.
///
/// ```yaml
/// server:
///   connections: { max: 10000, per_address: 2000, pilot_reserve: 1000, header_timeout: 60s, write_timeout: 60s }
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
    /// How long an answer may wait for a client that does not read it (the
    /// listener's buffer for the connection full) before the connection is closed.
    public var writeTimeout: TimeSpan
    /// Open connections from one source address (one /64 for IPv6); past it
    /// a new connection from there gets 429 and is closed. Default: a fifth
    /// of `max`, between 100 and 2,000, and never above `max`.
    public var perAddress: Int
    /// The last connections below `max` kept for pilots (and factories): a
    /// connection opened while fewer than this many are left is served only
    /// if its first request carries a valid pilot or factory token. Server
    /// only. Default: a tenth of `max`.
    public var pilotReserve: Int

    enum CodingKeys: String, CodingKey {
        case maxConnections = "max", headerTimeout = "header_timeout", bodyTimeout = "body_timeout", idleTimeout = "idle_timeout"
        case writeTimeout = "write_timeout", perAddress = "per_address", pilotReserve = "pilot_reserve"
    }

    public static let defaults = ListenerConfig(maxConnections: 10_000, headerTimeout: .seconds(60), bodyTimeout: .seconds(60),
                                                idleTimeout: .seconds(60))

    public init(maxConnections: Int, headerTimeout: TimeSpan, bodyTimeout: TimeSpan, idleTimeout: TimeSpan,
                writeTimeout: TimeSpan = .seconds(60), perAddress: Int? = nil, pilotReserve: Int? = nil) {
        self.maxConnections = maxConnections
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.perAddress = perAddress ?? Self.defaultPerAddress(maxConnections)
        self.pilotReserve = pilotReserve ?? maxConnections / 10
    }

    static func defaultPerAddress(_ maximum: Int) -> Int { min(maximum, max(100, min(2_000, maximum / 5))) }

    /// `reservesForPilots`: false for the monitor, which has no pilots, so
    /// `pilot_reserve` there is an unknown key rather than a silent no-op.
    init(reading r: ConfigReader, reservesForPilots: Bool = true) {
        let range = TimeSpan(milliseconds: 100)...TimeSpan.hours(1)
        let d = Self.defaults
        maxConnections = r.value("max", default: d.maxConnections, in: 1...1_000_000)
        headerTimeout = r.value("header_timeout", default: d.headerTimeout, in: range)
        bodyTimeout = r.value("body_timeout", default: d.bodyTimeout, in: range)
        idleTimeout = r.value("idle_timeout", default: d.idleTimeout, in: range)
        writeTimeout = r.value("write_timeout", default: d.writeTimeout, in: range)
        perAddress = r.value("per_address", default: Self.defaultPerAddress(maxConnections), in: 1...maxConnections)
        pilotReserve = reservesForPilots ? r.value("pilot_reserve", default: maxConnections / 10, in: 0...(maxConnections - 1)) : 0
        r.finish()
    }
}

/// The oldest TLS version the server accepts.
public enum TLSMinimumVersion: String, Sendable, Codable, CaseIterable, ConfigEnum {
    case tls12 = "1.2"
    case tls13 = "1.3"
}
