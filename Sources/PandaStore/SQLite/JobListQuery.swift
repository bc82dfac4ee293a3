import Foundation
import GRDB
import PandaCore

/// The job list's SQL, built from a `JobFilter`: conditions each backed by an
/// index ending in id (jobs_owner, jobs_task, jobs_queue, jobs_state,
/// jobs_name, jobs_error), ordered by id, with keyset paging and no OFFSET.
struct JobListQuery {
    var conditions: [String] = []
    var arguments: StatementArguments = []
    var descending = true
    /// `jobs`, or `jobs INDEXED BY ...` when the counters chose for queue and state.
    var source = "jobs"

    /// Jobs counted for the attribute summary: enough to be useful, few
    /// enough that a page view never counts a million rows.
    static let facetRows = 1000

    init(_ db: Database, _ filter: JobFilter) throws(StoreError) {
        // Queue and state alone (beside id bounds): the counters pick the index.
        var choice: JobListIndexChoice?
        if let state = filter.state, let queues = filter.queues, !queues.isEmpty, filter.owner == nil, filter.taskID == nil,
           filter.errorCode == nil, filter.namePattern == nil {
            do {
                choice = try JobListIndexChoice.choose(db, queues: queues, state: state)
            } catch {
                throw .database(String(describing: error))
            }
        }
        if choice == .dispatchIndex { source = "jobs INDEXED BY jobs_dispatch" }
        // A unary + keeps SQLite from using that column's index.
        if let owner = filter.owner { add("owner = ?", [owner]) }
        if let state = filter.state { add(choice == .queueIndex ? "+state = ?" : "state = ?", [state.rawValue]) }
        if let queues = filter.queues {
            guard !queues.isEmpty else { add("0", []); return }
            let column = choice == .stateIndex ? "+queue" : "queue"
            add(queues.count == 1 ? "\(column) = ?" : "\(column) IN (\(Array(repeating: "?", count: queues.count).joined(separator: ", ")))",
                StatementArguments(queues))
        }
        if let task = filter.taskID { add("task_id = ?", [task]) }
        if let code = filter.errorCode { add("error_code = ?", [code]) }
        if let pattern = filter.namePattern {
            let glob = Self.glob(pattern)
            if pattern.hasPrefix("*") {
                // No index serves a leading wildcard alone; beside a selective
                // filter it only narrows that filter's rows.
                guard filter.owner != nil || filter.taskID != nil || filter.queues != nil || filter.errorCode != nil else {
                    throw .invalid("name '\(pattern)' starts with *, which needs owner, task, queue, site or error beside it")
                }
            }
            add("name GLOB ?", [glob])
        }
        do {
            if let since = filter.since, let first = try Self.firstID(db, submittedAtOrAfter: since) {
                add("id >= ?", [first])
            } else if filter.since != nil {
                add("0", [])
            }
            if let until = filter.until, let first = try Self.firstID(db, submittedAtOrAfter: until) {
                add("id < ?", [first])
            }
        } catch {
            throw .database(String(describing: error))
        }
        descending = filter.order == .newest
        if descending, let before = filter.before { add("id < ?", [before]) }
        if !descending, let after = filter.after { add("id > ?", [after]) }
    }

    private mutating func add(_ condition: String, _ values: StatementArguments) {
        conditions.append(condition)
        arguments += values
    }

    func sql(columns: String) -> String {
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return "SELECT \(columns) FROM \(source) \(whereClause) ORDER BY id \(descending ? "DESC" : "ASC") LIMIT ?"
    }

    /// A name pattern as a GLOB: `*` stays a wildcard, GLOB's other special
    /// characters match themselves.
    static func glob(_ pattern: String) -> String {
        var glob = ""
        for character in pattern {
            switch character {
            case "?": glob += "[?]"
            case "[": glob += "[[]"
            default: glob.append(character)
            }
        }
        return glob
    }

    /// Ids grow with submission time, so a time bound is an id bound: the
    /// first job submitted at or after `time`, found by bisecting the primary
    /// key (a few dozen lookups, never a scan).
    static func firstID(_ db: Database, submittedAtOrAfter time: Double) throws -> Int64? {
        let next = try db.cachedStatement(sql: "SELECT id, created_at FROM jobs WHERE id >= ? ORDER BY id LIMIT 1")
        guard let high = try Int64.fetchOne(db, sql: "SELECT max(id) FROM jobs"),
              let low = try Int64.fetchOne(db, sql: "SELECT min(id) FROM jobs"),
              let last = try Row.fetchOne(next, arguments: [high]), (last[1] as Double) >= time else { return nil }
        // `answer` qualifies; a smaller one, if any, lies in [lo, hi].
        var answer = high
        var lo = low, hi = high - 1
        while lo <= hi {
            let middle = lo + (hi - lo) / 2
            guard let row = try Row.fetchOne(next, arguments: [middle]), (row[0] as Int64) <= hi else {
                hi = middle - 1   // no job ids in [middle, hi]
                continue
            }
            if (row[1] as Double) >= time {
                answer = row[0]
                hi = middle - 1
            } else {
                lo = (row[0] as Int64) + 1
            }
        }
        return answer
    }
}

extension SQLiteJobStore {
    /// One page of the job list, and with `facets` the value counts over the
    /// newest matching jobs (at most `JobListQuery.facetRows`).
    static func list(_ db: Database, _ filter: JobFilter, facets: Bool = false) throws(StoreError) -> JobPage {
        let query = try JobListQuery(db, filter)
        let limit = max(1, min(filter.limit, 1000))
        do {
            let rows = try Row.fetchAll(db, sql: query.sql(columns: statusColumns), arguments: query.arguments + [limit + 1])
            let jobs = rows.prefix(limit).map(status(from:))
            return JobPage(jobs: Array(jobs), next: rows.count > limit ? jobs.last?.id : nil,
                           facets: facets ? try Self.facets(db, query) : nil)
        } catch {
            throw .database(String(describing: error))
        }
    }

    static func facets(_ db: Database, _ query: JobListQuery) throws -> JobFacets {
        let rows = try Row.fetchAll(db, sql: query.sql(columns: "state, queue, owner, task_id, error_code"),
                                    arguments: query.arguments + [JobListQuery.facetRows + 1])
        var states: [String: Int] = [:], queues: [String: Int] = [:], owners: [String: Int] = [:]
        var tasks: [String: Int] = [:], errors: [String: Int] = [:]
        for row in rows.prefix(JobListQuery.facetRows) {
            states[row[0], default: 0] += 1
            queues[row[1], default: 0] += 1
            owners[row[2], default: 0] += 1
            if let task: Int64 = row[3] { tasks[String(task), default: 0] += 1 }
            if let code: Int = row[4] { errors[String(code), default: 0] += 1 }
        }
        func sorted(_ counts: [String: Int]) -> [NamedCount] {
            counts.map { NamedCount(name: $0.key, count: $0.value) }.sorted { ($0.count, $1.name) > ($1.count, $0.name) }
        }
        return JobFacets(scanned: min(rows.count, JobListQuery.facetRows), truncated: rows.count > JobListQuery.facetRows,
                         states: sorted(states), queues: sorted(queues), owners: sorted(owners), tasks: sorted(tasks),
                         errors: sorted(errors))
    }
}
