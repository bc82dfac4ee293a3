import Foundation
import Logging
import PandaConfig
import PandaStore

/// The store `server.database` names, opened (and migrated) before the
/// server listens: the SQLite file, or a connection pool to PostgreSQL with
/// the password from `server.database_password_file`.
///
/// ```swift
/// let store = try await ServerDatabase.open(configuration.server, logger: logger)
/// ```
public enum ServerDatabase {
    public static func open(_ server: ServerConfig, logger: Logger) async throws(ServerStartError) -> any ServedJobStore {
        switch server.database {
        case .sqlite(let path):
            do {
                return try SQLiteJobStore(path: path)
            } catch {
                throw ServerStartError("cannot open database \(path): \(error)")
            }
        case .postgres:
            let settings = try postgresSettings(server)
            do {
                return try await PostgresJobStore.open(settings, logger: logger)
            } catch {
                throw ServerStartError("\(error) (server.database \(server.database))")
            }
        }
    }

    /// The PostgreSQL connection settings of `server`, the password read from its file.
    public static func postgresSettings(_ server: ServerConfig) throws(ServerStartError) -> PostgresSettings {
        guard let url = server.database.postgres else { throw ServerStartError("server.database \(server.database) is not a postgres:// URL") }
        let password: String?
        do {
            password = try server.databasePasswordFile.map(DatabasePassword.read)
        } catch {
            throw ServerStartError("\(error)")
        }
        return PostgresSettings(url, password: password, poolSize: server.databasePool)
    }
}

/// The database password file: read once at start, bounded, and refused when
/// anyone on the host could read it.
public enum DatabasePassword {
    /// A password is a line; a larger file is not a password file.
    static let limit = 4096

    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    public static func read(_ path: String) throws(Refusal) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw Refusal(description: "server.database_password_file \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw Refusal(description: "server.database_password_file \(path) is not a regular file") }
        guard info.st_mode & 0o004 == 0 else {
            throw Refusal(description: "server.database_password_file \(path) is readable by every user (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 0600 or 0640 it")
        }
        guard info.st_size <= limit else {
            throw Refusal(description: "server.database_password_file \(path) is \(info.st_size) bytes; a password file holds one line (at most \(limit) bytes)")
        }
        guard let data = FileManager.default.contents(atPath: path), data.count <= limit else {
            throw Refusal(description: "server.database_password_file \(path) cannot be read")
        }
        let text = String(decoding: data, as: UTF8.self)
        let password = text.hasSuffix("\r\n") ? String(text.dropLast(2)) : text.hasSuffix("\n") ? String(text.dropLast()) : text
        guard !password.isEmpty, !password.contains("\n") else {
            throw Refusal(description: "server.database_password_file \(path) must hold the password on one line")
        }
        return password
    }
}

extension PostgresSettings {
    /// The store's connection settings for a checked `postgres://` URL; the
    /// server and `panda db copy` both connect this way.
    public init(_ url: PostgresURL, password: String?, poolSize: Int) {
        let endpoint: Endpoint = switch url.location {
        case .tcp(let host): .tcp(host: host, port: url.port)
        case .socket(let directory): .socket(directory: directory, port: url.port)
        }
        let tls: TLSMode = switch url.sslMode {
        case .disable: .disable
        case .require: .require
        case .verifyFull: .verifyFull
        }
        self.init(endpoint: endpoint, user: url.user, password: password, database: url.database, tls: tls, poolSize: poolSize)
    }
}
