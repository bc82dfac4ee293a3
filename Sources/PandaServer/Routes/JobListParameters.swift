import Foundation
import PandaCore
import PandaStore

extension ServerContext {
    /// The `jobs` route's filters from its query string. A submit token
    /// lists only its owner's jobs; read and admin tokens list anyone's.
    func jobFilter(_ query: ReadQuery, caller: TokenClaims) throws -> JobFilter {
        var filter = JobFilter(owner: caller.ownerFilter)
        if let owner = try query.text("owner") {
            guard caller.ownerFilter == nil || caller.ownerFilter == owner else {
                throw APIError.forbidden("a submit token lists only its own jobs")
            }
            filter.owner = owner
        }
        if let state = query.parameters["state"], !state.isEmpty {
            guard let value = JobState(rawValue: state) else {
                throw APIError(.badRequest, "state '\(state.prefix(40))' is not a job state")
            }
            filter.state = value
        }
        if let queue = try query.text("queue") { filter.queues = [queue] }
        if let site = try query.text("site") {
            guard let queues = configuration.sites[site]?.queues.keys else {
                throw APIError(.badRequest, "site '\(site)' is not in the configuration (sites: \(configuration.sites.keys.sorted().joined(separator: ", ")))")
            }
            // Both: the jobs of that queue if it is at that site, else none.
            filter.queues = filter.queues.map { $0.filter(queues.contains) } ?? Array(queues)
        }
        filter.taskID = try query.integer("task", in: 1...Int64.max)
        filter.namePattern = try query.text("name")
        filter.errorCode = try query.integer("error", in: 0...Int.max)
        let now = Self.now
        filter.since = try query.time("since", now: now)
        filter.until = try query.time("until", now: now)
        filter.order = try query.oneOf("sort", JobOrder.self) ?? .newest
        filter.before = try query.integer("before", in: 1...Int64.max)
        filter.after = try query.integer("after", in: 0...Int64.max)
        filter.limit = try query.integer("limit", in: 1...1000) ?? 100
        return filter
    }
}
