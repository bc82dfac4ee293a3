import GRDB
import PandaCore

extension SQLiteJobStore {
    /// Activated jobs looked at to explain an empty claim: enough to say
    /// what blocks a queue, bounded so a deep queue costs no more.
    static let unmatchedSample = 1000

    /// The claim's conditions turned around: over the queue's first activated
    /// jobs (the claim's own index order), how many each resource excludes
    /// and the least they need. Nil when the queue has no activated job, or
    /// when all of them fit (another pilot took the ones this claim saw).
    static func unmatched(_ db: Database, _ request: ClaimRequest) throws -> UnmatchedJobs? {
        let seconds = request.remaining.milliseconds / 1000
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT count(*),
                   sum(cores > ?), min(CASE WHEN cores > ? THEN cores END),
                   sum(memory > ?), min(CASE WHEN memory > ? THEN memory END),
                   sum(disk > ?), min(CASE WHEN disk > ? THEN disk END),
                   sum(walltime > ?), min(CASE WHEN walltime > ? THEN walltime END)
            FROM (SELECT cores, memory, disk, walltime FROM jobs WHERE queue = ? AND state = 'activated'
                  ORDER BY priority DESC, id LIMIT ?)
            """), arguments: [request.cores, request.cores, request.memory.bytes, request.memory.bytes,
                              request.disk.bytes, request.disk.bytes, seconds, seconds, request.queue, unmatchedSample + 1])
        guard let row, let count = row[0] as Int?, count > 0 else { return nil }
        var short: [UnmatchedJobs.Resource: UnmatchedJobs.Shortfall] = [:]
        for (index, resource) in UnmatchedJobs.Resource.allCases.enumerated() {
            let jobs: Int = row[1 + 2 * index] ?? 0
            if jobs > 0, let least: Int64 = row[2 + 2 * index] { short[resource] = .init(jobs: jobs, least: least) }
        }
        guard !short.isEmpty else { return nil }
        return UnmatchedJobs(queue: request.queue, activated: min(count, unmatchedSample), sampled: count > unmatchedSample,
                             offer: .init(cores: request.cores, memory: request.memory, disk: request.disk, remaining: request.remaining),
                             short: short)
    }
}
