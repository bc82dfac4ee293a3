import Logging
import NIOCore
import NIOSSL
import PostgresNIO

/// Why the store could not connect, found by one connection made directly
/// (the pool retries quietly and only logs its errors), with what fixes it.
///
/// ```swift
/// let cause = await PostgresConnectFailure.probe(settings, logger: logger)
/// // "PostgreSQL at 127.0.0.1:5432 does not offer SSL (sslUnsupported), and sslmode=verify-full ..."
/// ```
enum PostgresConnectFailure {
    /// One direct connection's error, explained; nil when it connected (a
    /// slow server, then: the caller says that it waited).
    static func probe(_ settings: PostgresSettings, logger: Logger) async -> String? {
        do {
            let connection = try await PostgresConnection.connect(configuration: try settings.connectionConfiguration(), id: 0, logger: logger)
            try? await connection.close()
            return nil
        } catch {
            return explain(error, settings)
        }
    }

    static func explain(_ error: any Error, _ settings: PostgresSettings) -> String {
        let place = settings.endpointDescription
        if let error = error as? PSQLError {
            if error.code == .sslUnsupported {
                return "PostgreSQL at \(place) does not offer SSL (sslUnsupported), and sslmode=\(settings.tls.rawValue)"
                    + (settings.tls == .verifyFull ? " (panda's default over TCP)" : "") + " insists on TLS. "
                    + "Either add ?sslmode=disable to server.database (only where the network to the database is "
                    + "trusted, such as 127.0.0.1), or turn TLS on in PostgreSQL (ssl = on, with its certificate)"
            }
            if error.code == .failedToAddSSLHandler || error.code == .receivedUnencryptedDataAfterSSLRequest {
                return "TLS to PostgreSQL at \(place) failed (\(error.code)); check its certificate, or sslmode"
            }
            if error.serverInfo != nil {
                return PostgresRetry.describe(error) + " (does pg_hba.conf let \(settings.user) into \(settings.database) from here?)"
            }
            if let underlying = error.underlying {
                return explain(underlying, settings)
            }
        }
        if let error = error as? NIOSSLError {
            return "TLS to PostgreSQL at \(place) failed: \(error) (sslmode=\(settings.tls.rawValue) checks the certificate "
                + "and host name against the system's CAs; sslmode=require encrypts without checking)"
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused at \(place): is PostgreSQL running there, listening on that address?"
            case ENOENT: return "no PostgreSQL socket at \(place): is PostgreSQL running, with that socket directory?"
            default: return "cannot connect to \(place): \(error)"
            }
        }
        return "cannot connect to \(place): \(String(reflecting: error))"
    }
}

extension PostgresSettings {
    var endpointDescription: String {
        switch endpoint {
        case .tcp(let host, let port): return "\(host):\(port)"
        case .socket(let directory, let port): return "\(directory)/.s.PGSQL.\(port)"
        }
    }

    /// A single connection's configuration, the pool's settings otherwise.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        switch endpoint {
        case .tcp(let host, let port):
            let tls: PostgresConnection.Configuration.TLS
            switch self.tls {
            case .disable: tls = .disable
            case .require:
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.certificateVerification = .none
                tls = .require(try NIOSSLContext(configuration: configuration))
            case .verifyFull: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            return .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
        case .socket(let directory, let port):
            return .init(unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
    }
}
