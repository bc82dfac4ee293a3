import PandaCore

/// The `monitor:` section: where the dashboard listens and which server it reads.
///
/// ```yaml
/// monitor: { listen: 127.0.0.1:25880, server: http://127.0.0.1:25443 }
/// ```
public struct MonitorConfig: Sendable, Codable, Equatable {
    public var listen: ListenAddress
    public var server: [ServiceURL]
    /// A token file with the `read` scope.
    public var credential: String?
    /// Rows on one page of the jobs list.
    public var pageSize: Int
    /// Who may look: `none` (everyone who reaches the listener sees what the
    /// credential sees) or `token` (each user pastes their own token once).
    public var auth: MonitorAuth
    /// The listener's protections, as the server's (`server.connections`),
    /// without a pilot reserve.
    public var connections: ListenerConfig
    /// Serve the dashboard over HTTPS with this certificate (as `server.tls`).
    public var tls: TLSFiles?
    /// A reverse proxy in front serves the dashboard over HTTPS: the sign-in
    /// cookie is marked `Secure` although this listener speaks plain HTTP.
    public var proxyTLS: Bool

    enum CodingKeys: String, CodingKey {
        case listen, server, credential, auth, connections, tls
        case pageSize = "page_size", proxyTLS = "proxy_tls"
    }

    /// Whether browsers reach the dashboard over HTTPS (its own or a proxy's).
    public var servedOverTLS: Bool { tls != nil || proxyTLS }

    public static let defaultPort = 25880

    init(reading r: ConfigReader) {
        listen = r.value("listen", default: ListenAddress(host: "127.0.0.1", port: Self.defaultPort))
        server = r.list("server", default: [FactoryConfig.localServer])
        if server.isEmpty { server = [FactoryConfig.localServer] }
        credential = r.path("credential")
        pageSize = r.value("page_size", default: 100, in: 10...1000)
        auth = r.value("auth", default: .none)
        connections = ListenerConfig(reading: r.section("connections"), reservesForPilots: false)
        tls = r.has("tls") ? TLSFiles(reading: r.section("tls")) : nil
        r.accept("tls")
        proxyTLS = r.value("proxy_tls", default: false)
        r.finish()
    }
}

/// How the monitor knows who is looking.
public enum MonitorAuth: String, Sendable, Codable, Equatable, CaseIterable {
    case none, token
}

extension MonitorAuth: ConfigEnum {}
