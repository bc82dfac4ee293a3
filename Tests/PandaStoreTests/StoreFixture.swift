import Foundation
import GRDB
import Logging
import PandaCore
import Testing
import TestSupport
import PostgresNIO
@testable import PandaStore

/// The backends the shared store suites run against: every suite's tests
/// take `StoreBackend.all` as arguments, so one test is written once and
/// holds both stores to the same behaviour.
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    /// Both, unless PANDA_TEST_POSTGRES=off leaves PostgreSQL out. PostgreSQL
    /// missing is not a reason to leave it out: its fixture fails, saying so.
    static var all: [StoreBackend] { PostgresTestServer.isEnabled ? [.sqlite, .postgres] : [.sqlite] }

    var testDescription: String { rawValue }
}

/// A real store, its writer running: an SQLite file in a temporary
/// directory, or a fresh database on the test process's PostgreSQL server.
final class StoreFixture: @unchecked Sendable {
    let backend: StoreBackend
    let directory: String
    let store: any JobStore
    /// The PostgreSQL database's settings, to open a second store on it.
    let postgres: PostgresSettings?
    private var writers: [Task<Void, Never>] = []
    private var closers: [@Sendable () -> Void] = []

    /// An SQLite store (the suites about SQLite's own mechanics use it directly).
    convenience init(busyTimeout: TimeInterval = 10) throws {
        let directory = NSTemporaryDirectory() + "panda-store-\(UUID().uuidString)"
        let store = try SQLiteJobStore(path: directory + "/panda.db", busyTimeout: busyTimeout)
        self.init(backend: .sqlite, directory: directory, store: store, postgres: nil)
        writers.append(Task { await store.run() })
        closers.append { store.close() }
    }

    convenience init(_ backend: StoreBackend) async throws {
        switch backend {
        case .sqlite:
            try self.init()
        case .postgres:
            let server = try PostgresTestServer.shared()
            let settings = PostgresSettings(endpoint: .socket(directory: server.socketDirectory, port: server.port), user: server.user,
                                            password: nil, database: try server.createDatabase(), tls: .disable)
            let store = try await PostgresJobStore.open(settings, logger: Self.logger)
            self.init(backend: .postgres, directory: NSTemporaryDirectory(), store: store, postgres: settings)
            writers.append(Task { await store.run() })
            closers.append { store.close() }
        }
    }

    private init(backend: StoreBackend, directory: String, store: any JobStore, postgres: PostgresSettings?) {
        self.backend = backend
        self.directory = directory
        self.store = store
        self.postgres = postgres
    }

    static let logger = Logger(label: "panda-store-tests")

    /// The SQLite store, for the tests of SQLite's own mechanics.
    var sqlite: SQLiteJobStore { store as! SQLiteJobStore }

    var path: String { directory + "/panda.db" }

    /// Another store on the same database, as a second server has; closed with the fixture.
    func second() async throws -> any JobStore {
        switch backend {
        case .sqlite:
            let other = try SQLiteJobStore(path: path)
            writers.append(Task { await other.run() })
            closers.append { other.close() }
            return other
        case .postgres:
            let other = try await PostgresJobStore.open(postgres!, logger: Self.logger)
            writers.append(Task { await other.run() })
            closers.append { other.close() }
            return other
        }
    }

    /// Runs SQL on the database outside the store's write paths (a trigger,
    /// a row the test needs): `sqlite` or `postgres`, in each one's dialect.
    func execute(sqlite: String, postgres: [String]) async throws {
        switch backend {
        case .sqlite:
            try await self.sqlite.pool.write { db in try db.execute(sql: sqlite) }
        case .postgres:
            let store = self.store as! PostgresJobStore
            try await store.session { session in
                for statement in postgres { try await session.execute(PostgresQuery(unsafeSQL: statement)) }
            }
        }
    }

    /// The one number a `SELECT count(*) ...` in SQL both databases speak returns.
    func count(_ sql: String) async throws -> Int {
        switch backend {
        case .sqlite:
            return try await sqlite.pool.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
        case .postgres:
            let store = self.store as! PostgresJobStore
            return try await store.session { session in
                try await session.value(PostgresQuery(unsafeSQL: sql), as: Int.self) ?? 0
            }
        }
    }

    func close() async {
        for close in closers { close() }
        for writer in writers { await writer.value }
        if backend == .sqlite { try? FileManager.default.removeItem(atPath: directory) }
    }

    static func job(_ name: String = "job", queue: String = "Q", priority: Int = 0, maxAttempts: Int = 3,
                    cores: Int = 1, memory: ByteCount = .gigabytes(2), owner: String = "alice") -> NewJob {
        NewJob(spec: JobSpec(name: name, priority: priority, payload: Payload(executable: "/bin/true")),
               owner: owner, queue: queue, maxAttempts: maxAttempts, cores: cores, memory: memory,
               disk: .gigabytes(1), walltime: .hours(1))
    }

    static func pilot(queue: String = "Q", limit: Int = 1, cores: Int = 8, memory: ByteCount = .gigabytes(16)) -> ClaimRequest {
        ClaimRequest(queue: queue, node: "node1", pilot: "pilot-1", cores: cores, memory: memory,
                     disk: .gigabytes(100), remaining: .hours(24), limit: limit)
    }
}
