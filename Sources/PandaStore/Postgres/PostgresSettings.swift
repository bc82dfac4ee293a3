import NIOSSL
import PostgresNIO

/// Where the PostgreSQL store connects, and how many connections it may hold.
///
/// ```swift
/// let settings = PostgresSettings(endpoint: .socket(directory: "/run/postgresql", port: 5432),
///                                 user: "panda", password: nil, database: "panda", tls: .disable, poolSize: 4)
/// let store = try await PostgresJobStore.open(settings, logger: logger)
/// ```
public struct PostgresSettings: Sendable {
    /// A TCP host and port, or the directory of PostgreSQL's Unix socket
    /// (the socket is `<directory>/.s.PGSQL.<port>`, as libpq names it).
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        case socket(directory: String, port: Int)
    }

    /// libpq's sslmode values the store honours: no TLS, TLS without
    /// checking the certificate, TLS with the certificate and host name checked.
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, require
        case verifyFull = "verify-full"
    }

    public var endpoint: Endpoint
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// Connections this server holds at most. Small by default: PostgreSQL
    /// allows 100 in all, shared by every server and operator.
    public var poolSize: Int

    public static let defaultPoolSize = 4

    public init(endpoint: Endpoint, user: String, password: String?, database: String, tls: TLSMode, poolSize: Int = defaultPoolSize) {
        self.endpoint = endpoint
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
        self.poolSize = poolSize
    }

    /// The same server, another database (the tests' fresh database per test).
    public func with(database: String) -> PostgresSettings {
        var copy = self
        copy.database = database
        return copy
    }

    var clientConfiguration: PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch endpoint {
        case .tcp(let host, let port):
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: clientTLS)
        case .socket(let directory, let port):
            configuration = .init(unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        configuration.options.maximumConnections = max(1, poolSize)
        configuration.options.minimumConnections = 0
        return configuration
    }

    private var clientTLS: PostgresClient.Configuration.TLS {
        switch tls {
        case .disable:
            return .disable
        case .require:
            // sslmode=require: encrypted, the certificate not checked (libpq's meaning).
            var settings = TLSConfiguration.makeClientConfiguration()
            settings.certificateVerification = .none
            return .require(settings)
        case .verifyFull:
            return .require(.makeClientConfiguration())
        }
    }
}
