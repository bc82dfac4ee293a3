import Foundation
import Logging
import PostgresNIO
import Testing
import TestSupport

/// The exactly-once check can fail: a claim statement without its guard
/// (no `FOR UPDATE SKIP LOCKED`, no `state = 'activated'` on the update),
/// run by the test on its own connections to the real schema, hands one
/// attempt to two claimers, and the ledger the exactly-once test judges by
/// reports it. Nothing in the server can be switched to this statement: the
/// broken claim exists only here.
@Suite("the exactly-once check catches a claim without its guard")
struct UnguardedClaimTests {
    static let unguarded: PostgresQuery = """
        WITH pick AS MATERIALIZED (
            SELECT id FROM jobs WHERE queue = 'Q1' AND state = 'activated' ORDER BY priority DESC, id LIMIT 1)
        UPDATE jobs SET state = 'sent', lease = md5(random()::text) FROM pick WHERE jobs.id = pick.id
        RETURNING jobs.id, jobs.attempt, jobs.lease
        """

    /// The same statement with the guard the store's claim has.
    static let guarded: PostgresQuery = """
        WITH pick AS MATERIALIZED (
            SELECT id FROM jobs WHERE queue = 'Q1' AND state = 'activated' ORDER BY priority DESC, id LIMIT 1
            FOR UPDATE SKIP LOCKED)
        UPDATE jobs SET state = 'sent', lease = md5(random()::text) FROM pick WHERE jobs.id = pick.id AND jobs.state = 'activated'
        RETURNING jobs.id, jobs.attempt, jobs.lease
        """

    @Test("without SKIP LOCKED and the state guard, two claimers get the same attempt and the ledger reports it; with them, never",
          .enabled(if: PostgresTestServer.isEnabled))
    func unguardedClaimIsCaught() async throws {
        let postgres = try PostgresTestServer.shared()
        let database = try postgres.createDatabase()
        // The real schema, made by a real server, and real jobs submitted through it.
        let server = try ServerProcess(database: postgres.url(database: database))
        defer { server.cleanUp() }
        let user = try server.token("alice", scope: "submit")
        let submitted = try await server.post("/api/v1/job/submit", token: user, json: ["jobs": (0..<4).map { jobJSON("j\($0)", queue: "Q1") }])
        #expect(submitted.status == 200)

        let broken = try await race(Self.unguarded, postgres: postgres, database: database)
        #expect(!broken.doubleDispatches().isEmpty, "the unguarded claim handed one attempt to both claimers, and the check sees it")
        let sound = try await race(Self.guarded, postgres: postgres, database: database)
        #expect(sound.claimCount == 2, "the guarded claim gave each claimer a job")
        #expect(sound.doubleDispatches().isEmpty, "a different one each")
    }

    /// Two claimers in the order that breaks an unguarded claim: A claims in
    /// an open transaction; B claims from a snapshot where A's job is still
    /// activated (and, unguarded, waits for A's row lock); A commits; B goes on.
    private func race(_ claim: PostgresQuery, postgres: PostgresTestServer, database: String) async throws -> ClaimLedger {
        let logger = Logger(label: "unguarded-claim")
        let configuration = PostgresConnection.Configuration(
            unixSocketPath: "\(postgres.socketDirectory)/.s.PGSQL.\(postgres.port)", username: postgres.user, password: nil, database: database)
        let a = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        let b = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
        let watch = try await PostgresConnection.connect(configuration: configuration, id: 3, logger: logger)
        do {
            let ledger = try await race(claim, a: a, b: b, watch: watch, logger: logger)
            for connection in [a, b, watch] { try? await connection.close() }
            return ledger
        } catch {
            for connection in [a, b, watch] { try? await connection.close() }
            throw error
        }
    }

    private func race(_ claim: PostgresQuery, a: PostgresConnection, b: PostgresConnection, watch: PostgresConnection,
                      logger: Logger) async throws -> ClaimLedger {
        let ledger = ClaimLedger()
        func record(_ rows: [PostgresRow], by pilot: Int) throws {
            for row in rows {
                let (id, attempt, lease) = try row.decode((Int64, Int64, String).self)
                ledger.claimed(job: id, attempt: Int(attempt), lease: lease, by: pilot)
            }
        }
        _ = try await a.query("BEGIN", logger: logger).collect()
        try record(try await a.query(claim, logger: logger).collect(), by: 1)
        let answered = StopFlag()
        let second = Task {
            defer { answered.set() }
            return try await b.query(claim, logger: logger).collect()
        }
        // Until B waits on A's row lock, or has its answer (a guarded claim never waits).
        let bound = Date().addingTimeInterval(30)
        while Date() < bound {
            let waiting = try await watch.query("""
                SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                """, logger: logger).collect().first?.decode(Int64.self) ?? 0
            if waiting > 0 || answered.isSet { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        _ = try await a.query("COMMIT", logger: logger).collect()
        try record(try await second.value, by: 2)
        return ledger
    }
}
