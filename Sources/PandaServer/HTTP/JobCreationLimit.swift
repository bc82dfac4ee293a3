import Foundation
import Hummingbird
import PandaConfig
import Synchronization

/// Bounds job creation two ways: per user, a rate (`server.limits.jobs_per_minute`,
/// a token bucket that holds one minute's worth), and server-wide, the jobs
/// being made in memory at once by all requests together
/// (`server.limits.jobs_in_creation`). Past either, the request gets 429
/// with Retry-After and nothing is made.
///
/// ```swift
/// let id = try await creation.making(jobs.count, limits: limits) { try await store.submit(jobs) }
/// try creation.charge(jobs.count, to: owner, limits: limits)
/// ```
/// One user's flood of `task/submit`s would otherwise fill the database at
/// the store's full speed, and several large tasks at once take gigabytes
/// of the server's memory, each holding all its jobs until they are stored.
/// Counted per server process: with several servers on one PostgreSQL
/// database, each allows the rate.
final class JobCreationLimit: Sendable {
    private struct Bucket {
        var jobs: Double
        var updated: Double
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        var inCreation = 0
    }

    private let state = Mutex(State())
    /// Buckets kept at most; full ones are dropped first (a full bucket and
    /// none are the same), so many users cannot grow the table.
    static let maximumBuckets = 100_000

    /// Takes `count` jobs from `owner`'s rate, or throws 429 saying when
    /// enough will be there. A request larger than a minute's worth waits
    /// for a full bucket and takes it all.
    func charge(_ count: Int, to owner: String, limits: RequestLimits, now: Double = Date().timeIntervalSince1970) throws(APIError) {
        let capacity = Double(limits.jobsPerMinute)
        let perSecond = capacity / 60
        let needed = min(Double(count), capacity)
        let wait: Double? = state.withLock { state in
            var bucket = state.buckets[owner] ?? Bucket(jobs: capacity, updated: now)
            bucket.jobs = min(capacity, bucket.jobs + max(0, now - bucket.updated) * perSecond)
            bucket.updated = now
            defer {
                state.buckets[owner] = bucket
                if state.buckets.count > Self.maximumBuckets { Self.dropFull(&state.buckets, capacity: capacity, perSecond: perSecond, now: now) }
            }
            guard bucket.jobs >= needed else { return (needed - bucket.jobs) / perSecond }
            bucket.jobs -= needed
            return nil
        }
        if let wait {
            let seconds = max(1, Int(wait.rounded(.up)))
            var error = APIError(.tooManyRequests, "\(owner) is creating jobs faster than \(limits.jobsPerMinute) a minute "
                                 + "(server.limits.jobs_per_minute); these \(count) can be made in \(seconds) s")
            error.headers[.retryAfter] = String(seconds)
            throw error
        }
    }

    /// Gives back what `charge` took, for jobs that were not made after all.
    func refund(_ count: Int, to owner: String, limits: RequestLimits) {
        let capacity = Double(limits.jobsPerMinute)
        state.withLock { state in
            guard var bucket = state.buckets[owner] else { return }
            bucket.jobs = min(capacity, bucket.jobs + min(Double(count), capacity))
            state.buckets[owner] = bucket
        }
    }

    /// Runs `body`, which makes up to `count` jobs in memory, within the
    /// server-wide budget; 429 when the budget has no room for them now.
    func making<T>(_ count: Int, limits: RequestLimits, _ body: () async throws -> T) async throws -> T {
        let budget = limits.jobsInCreation
        let taken = min(count, budget)
        let admitted: Bool = state.withLock { state in
            guard state.inCreation + taken <= budget else { return false }
            state.inCreation += taken
            return true
        }
        guard admitted else {
            var error = APIError(.tooManyRequests, "the server is already making \(budget) jobs at once "
                                 + "(server.limits.jobs_in_creation); retry in a few seconds")
            error.headers[.retryAfter] = "5"
            throw error
        }
        defer { state.withLock { $0.inCreation -= taken } }
        return try await body()
    }

    private static func dropFull(_ buckets: inout [String: Bucket], capacity: Double, perSecond: Double, now: Double) {
        buckets = buckets.filter { $0.value.jobs + max(0, now - $0.value.updated) * perSecond < capacity }
        // Still too many users mid-flood: forget the oldest half rather than grow.
        if buckets.count > maximumBuckets {
            let kept = buckets.sorted { $0.value.updated > $1.value.updated }.prefix(maximumBuckets / 2)
            buckets = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
        }
    }
}
