import Logging
import NIOSSL
import PostgresNIO

/// The singletons of a PostgreSQL store: one session advisory lock per
/// singleton (`pg_try_advisory_lock(class, n)`), held on one connection of
/// its own, outside the store's pool.
///
/// ```swift
/// let lock = PostgresSingletonLock(settings: settings, logger: logger)
/// if await lock.hold(.sweeper) { ... }    // the first server to ask takes it
/// ```
/// PostgreSQL releases a session lock when its session ends, so when the
/// server holding it dies (`kill -9` included: the kernel closes its socket)
/// or its connection breaks, the lock is free and the next server to ask
/// takes it. While it believes it holds a lock, `hold` proves the session
/// is still there with one round trip; when that fails the lock is counted
/// lost and a new connection tries again on the next call.
public actor PostgresSingletonLock: SingletonLock {
    /// The advisory lock class of panda's singletons ('pand' in ASCII): the
    /// objects are `SingletonName`'s cases, so no other lock shares the keys.
    static let lockClass: Int32 = 0x7061_6e64

    private let settings: PostgresSettings
    private let logger: Logger
    private var connection: PostgresConnection?
    private var opening: Task<PostgresConnection, any Error>?
    private var held: Set<SingletonName> = []
    private var nextConnectionID = 0

    public init(settings: PostgresSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    static func key(_ name: SingletonName) -> Int32 {
        Int32(SingletonName.allCases.firstIndex(of: name)! + 1)
    }

    public func hold(_ name: SingletonName) async -> Bool {
        do {
            let connection = try await connected()
            if held.contains(name) {
                // The session is the lock: one that still answers still holds it.
                _ = try await connection.query("SELECT 1", logger: logger).collect()
                return true
            }
            let rows = try await connection.query(
                "SELECT pg_try_advisory_lock(\(Self.lockClass), \(Self.key(name)))", logger: logger).collect()
            let taken = try rows.first?.decode(Bool.self) ?? false
            if taken { held.insert(name) }
            return taken
        } catch {
            logger.warning("singleton lease connection failed: \(PostgresRetry.describe(error)); its locks are lost")
            await drop()
            return false
        }
    }

    public func releaseAll() async {
        // Ending the session releases every lock it holds.
        await drop()
    }

    /// The lease's connection, opened once even when the sweeper and the
    /// sampler ask at the same time (the actor lets the second in while the
    /// first waits for the connection).
    private func connected() async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        if let opening { return try await opening.value }
        // A closed connection took its locks with it.
        held.removeAll()
        connection = nil
        nextConnectionID += 1
        let settings = settings, logger = logger, id = nextConnectionID
        let task = Task {
            try await PostgresConnection.connect(configuration: try Self.configuration(settings), id: id, logger: logger)
        }
        opening = task
        defer { opening = nil }
        let fresh = try await task.value
        connection = fresh
        return fresh
    }

    private func drop() async {
        held.removeAll()
        if let connection { try? await connection.close() }
        connection = nil
    }

    /// The store's endpoint, user and TLS as one connection's configuration.
    static func configuration(_ settings: PostgresSettings) throws -> PostgresConnection.Configuration {
        switch settings.endpoint {
        case .socket(let directory, let port):
            return .init(unixSocketPath: "\(directory)/.s.PGSQL.\(port)", username: settings.user,
                         password: settings.password, database: settings.database)
        case .tcp(let host, let port):
            let tls: PostgresConnection.Configuration.TLS
            switch settings.tls {
            case .disable:
                tls = .disable
            case .require:
                var client = TLSConfiguration.makeClientConfiguration()
                client.certificateVerification = .none
                tls = .require(try NIOSSLContext(configuration: client))
            case .verifyFull:
                tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            return .init(host: host, port: port, username: settings.user, password: settings.password,
                         database: settings.database, tls: tls)
        }
    }
}
