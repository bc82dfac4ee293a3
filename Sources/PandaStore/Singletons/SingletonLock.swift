/// The periodic work that runs on exactly one server of those sharing a
/// database: two sweepers would race on the same timed-out jobs and two
/// samplers would write every history row twice.
public enum SingletonName: String, Sendable, CaseIterable {
    /// Timeouts, retries, and the expiry of request keys and old tokens.
    case sweeper
    /// `stats/history` samples and the error and node counters.
    case statsSampler = "stats_sampler"
    /// Removing ended jobs past `server.retention` and their log tarballs.
    /// (Last: PostgreSQL's advisory lock key is the position.)
    case retention
}

/// A lease on the singletons, held by one server at a time and moved to
/// another when that server dies.
///
/// ```swift
/// let lock = store.singletonLock()
/// if await lock.hold(.sweeper) { _ = try await store.sweep(limits, now: now) }
/// await lock.releaseAll()        // at shutdown: another server takes over at once
/// ```
/// `hold` is asked before every run of the work, so a server that lost the
/// lease (its database connection broke) stops within one cycle and one that
/// is waiting takes it on its next try. The work itself stays correct if two
/// servers ever overlap for a cycle: every move it makes is a conditional
/// update in the database. The lease only keeps them from doing it twice.
public protocol SingletonLock: Sendable {
    /// Whether this process holds `name` now, taking it when it is free.
    /// Never throws: a database that cannot answer means "not held".
    func hold(_ name: SingletonName) async -> Bool
    /// Lets go of every singleton this process holds.
    func releaseAll() async
}
