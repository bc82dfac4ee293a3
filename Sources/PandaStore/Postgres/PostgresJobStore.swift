import Foundation
import Logging
import PandaCore
import PostgresNIO
import Synchronization

/// The scale-out store: one PostgreSQL database that several panda servers
/// share. Writes group-commit through `PostgresBatchWriter` with PostgreSQL's
/// default `synchronous_commit`, so an answered request is durable; claims
/// take jobs with `FOR UPDATE SKIP LOCKED`, so servers never hand out one
/// attempt twice and never wait on each other's claimed rows.
///
/// ```swift
/// let store = try await PostgresJobStore.open(settings, logger: logger)   // connects and migrates
/// Task { await store.run() }        // the writer; close() ends it, and the connections with it
/// ```
/// `PostgresClient` serves only while its `run()` runs: `open` starts it,
/// and `run()` returning (after `close()`) ends it, so the server's
/// ServiceGroup, which runs `run()`, owns the connections' lifetime.
public final class PostgresJobStore: JobStore {
    let client: PostgresClient
    let writer: PostgresBatchWriter
    let logger: Logger
    private let clientRun: Task<Void, Never>

    private init(client: PostgresClient, clientRun: Task<Void, Never>, committers: Int, logger: Logger) {
        self.client = client
        self.clientRun = clientRun
        self.logger = logger
        writer = PostgresBatchWriter(client: client, committers: committers, logger: logger)
    }

    /// How long `open` waits for a first connection: the pool retries a
    /// refused connection rather than failing, so without a bound a server
    /// pointed at the wrong place would wait forever.
    public static let connectDeadline: Duration = .seconds(15)

    /// Connects and brings the schema up to date. Fails (as
    /// `StoreError.database`) when the server cannot be reached or refuses.
    public static func open(_ settings: PostgresSettings, logger: Logger) async throws(StoreError) -> PostgresJobStore {
        let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
        let clientRun = Task { await client.run() }
        // One connection of the pool stays for reads; the rest commit batches.
        let store = PostgresJobStore(client: client, clientRun: clientRun, committers: max(1, settings.poolSize - 1), logger: logger)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.session { session in try await PostgresSchema.migrate(session) } }
                group.addTask {
                    try await Task.sleep(for: connectDeadline)
                    // The pool only logged why; one direct connection says it in the error.
                    let cause = await PostgresConnectFailure.probe(settings, logger: logger)
                    throw StoreError.database("no connection within \(connectDeadline) to \(settings.endpointDescription) as \(settings.user): "
                                              + (cause ?? "it answers now, but too slowly (is it overloaded or still starting?)"))
                }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            clientRun.cancel()
            await clientRun.value
            let reason = (error as? StoreError).map { "\($0)" } ?? PostgresRetry.describe(error)
            throw .database("cannot open PostgreSQL database \(settings.database): \(reason)")
        }
        return store
    }

    /// Runs the writer until `close()`, then closes the connections.
    public func run() async {
        await writer.run()
        clientRun.cancel()
        await clientRun.value
    }

    /// Stops taking writes, commits what was accepted, and lets `run()` return.
    public func close() {
        writer.stop()
    }

    /// A connection from the pool for reads (each statement its own snapshot).
    func session<T>(_ body: (PostgresSession) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await body(PostgresSession(connection: connection, logger: logger))
        }
    }

    /// A read: any failure reaches callers as StoreError.database (503).
    func read<T>(_ body: (PostgresSession) async throws -> T) async throws(StoreError) -> T {
        try await storeErrors { try await session(body) }
    }

    /// A write in the next batch, answered once that batch has committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (PostgresWrite) async throws -> T) async throws(StoreError) -> T {
        try await storeErrors { try await writer.write(body) }
    }

    /// Whatever PostgreSQL or postgres-nio throws reaches callers as
    /// StoreError.database, which the server answers with 503.
    func storeErrors<T>(_ body: () async throws -> T) async throws(StoreError) -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error
        } catch {
            throw .database(PostgresRetry.describe(error))
        }
    }

    public func probe() async throws {
        let now = Date().timeIntervalSince1970
        try await write { tx in
            try await tx.session.execute("""
                INSERT INTO store_probe (id, at) VALUES (1, \(now)) ON CONFLICT (id) DO UPDATE SET at = excluded.at
                """)
        }
    }
}
