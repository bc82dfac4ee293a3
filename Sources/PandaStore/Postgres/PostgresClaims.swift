import Foundation
import PandaCore
import PostgresNIO

/// A pilot's claim waiting in the batch writer, answered once its batch commits.
struct PendingClaim: Sendable {
    let request: ClaimRequest
    /// The key's `claimTag`, written on the rows taken; nil for an unkeyed claim.
    let tag: String?
    let now: Double
    let answer: @Sendable (Result<[ClaimedJob], any Error>) -> Void
}

/// The claims of one batch in one call of `panda_claim`, which runs the
/// claim statement once per claim, in order: no round trip of its own per
/// acquire (`PostgresBatchStart` makes the call), and the statement planned
/// once per connection.
///
/// The statement is the dispatcher's hot path: the best fitting activated
/// jobs, locked with SKIP LOCKED (jobs another server is taking right now are
/// passed over, not waited for) inside a MATERIALIZED CTE — the fence that
/// keeps the planner from updating more rows than the LIMIT — moved to sent
/// with a new lease each (`gen_random_uuid()`, PostgreSQL's strong random
/// source, without its dashes: unguessable, so only the pilot handed the job
/// can report on it), and their events appended. A later claim of the same
/// call sees the earlier ones' jobs as sent and passes over them.
enum PostgresClaims {
    typealias Claim = (request: ClaimRequest, tag: String?, now: Double)

    /// Runs the claims, in order, in a statement of their own, and returns
    /// each one's jobs by its index; counts the moves on `tx`.
    static func claim(_ tx: PostgresWrite, _ claims: [Claim]) async throws -> [Int: [ClaimedJob]] {
        try taken(from: try await tx.session.run(ClaimCall.self, bindings(try argument(claims))), by: claims, in: tx)
    }

    /// The claims as `panda_claim`'s argument.
    static func argument(_ claims: [Claim]) throws -> String {
        let requests = claims.enumerated().map { index, claim in
            ClaimArgument(i: index, queue: claim.request.queue, cores: claim.request.cores, memory: claim.request.memory.bytes,
                          disk: claim.request.disk.bytes, walltime: Int64(claim.request.remaining.milliseconds / 1000),
                          n: claim.request.limit, pilot: claim.request.pilot, node: claim.request.node, at: claim.now,
                          reason: "to pilot \(claim.request.pilot ?? "?") on \(claim.request.node)", tag: claim.tag)
        }
        return String(decoding: try JSONEncoder().encode(requests), as: UTF8.self)
    }

    /// Each claim's jobs from `panda_claim`'s rows (claim index, then the job's
    /// columns), counted on `tx` as moves from activated to sent.
    static func taken(from rows: [PostgresRowValues], by claims: [Claim], in tx: PostgresWrite) throws -> [Int: [ClaimedJob]] {
        var taken: [Int: [ClaimedJob]] = [:]
        for row in rows {
            let index: Int = try row[0]
            taken[index, default: []].append(try job(row, from: 1))
        }
        for (index, jobs) in taken {
            tx.count(queue: claims[index].request.queue, state: .activated, by: -jobs.count)
            tx.count(queue: claims[index].request.queue, state: .sent, by: jobs.count)
        }
        return taken
    }

    /// A claimed job from its columns id, attempt, lease, spec, cores,
    /// memory, disk and walltime, the first at `first`.
    static func job(_ row: PostgresRowValues, from first: Int) throws -> ClaimedJob {
        ClaimedJob(id: try row[first], attempt: try row[first + 1], lease: try row[first + 2], specJSON: try row[first + 3],
                   cores: try row[first + 4], memory: ByteCount(bytes: try row[first + 5]), disk: ByteCount(bytes: try row[first + 6]),
                   walltime: .seconds(try row[first + 7] as Int64))
    }

    enum ClaimCall: HotStatement {
        static let sql = "SELECT * FROM panda_claim($1::json)"
    }

    /// One claim as `panda_claim` reads it.
    private struct ClaimArgument: Encodable {
        let i: Int
        let queue: String
        let cores: Int
        let memory: Int64
        let disk: Int64
        let walltime: Int64
        let n: Int
        let pilot: String?
        let node: String
        let at: Double
        let reason: String
        let tag: String?
    }

    /// Generic plans (the function's own setting): the statement is the same
    /// every time, and planning it anew for each claim cost more than running it.
    static let claimFunction = """
        CREATE FUNCTION panda_claim(requests json)
        RETURNS TABLE (request bigint, id bigint, attempt bigint, lease text, spec text, cores bigint, memory bigint, disk bigint, walltime bigint)
        LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
        #variable_conflict use_column
        DECLARE
            r record;
        BEGIN
            FOR r IN SELECT * FROM json_to_recordset(requests) AS x(i bigint, queue text, cores bigint, memory bigint, disk bigint,
                walltime bigint, n bigint, pilot text, node text, at double precision, reason text, tag text)
            LOOP
                RETURN QUERY
                WITH picked AS MATERIALIZED (
                    SELECT jobs.id FROM jobs
                    WHERE jobs.queue = r.queue AND jobs.state = 'activated' AND jobs.cores <= r.cores AND jobs.memory <= r.memory
                        AND jobs.disk <= r.disk AND jobs.walltime <= r.walltime
                    ORDER BY jobs.priority DESC, jobs.id
                    LIMIT r.n
                    FOR UPDATE SKIP LOCKED
                ), taken AS (
                    UPDATE jobs SET state = 'sent', lease = replace(gen_random_uuid()::text, '-', ''), pilot = r.pilot, node = r.node,
                        command = NULL, state_changed_at = r.at, heartbeat_at = r.at, claim_key = r.tag
                    FROM picked WHERE jobs.id = picked.id AND jobs.state = 'activated'
                    RETURNING jobs.id, jobs.attempt, jobs.lease, jobs.spec, jobs.cores, jobs.memory, jobs.disk, jobs.walltime, jobs.priority
                ), events AS (
                    INSERT INTO job_events (job_id, attempt, state, at, reason, lease)
                    SELECT taken.id, taken.attempt, 'sent', r.at, r.reason, taken.lease FROM taken
                )
                SELECT r.i, taken.id, taken.attempt, taken.lease, taken.spec, taken.cores, taken.memory, taken.disk, taken.walltime
                FROM taken ORDER BY taken.priority DESC, taken.id;
            END LOOP;
        END
        $$
        """
}
