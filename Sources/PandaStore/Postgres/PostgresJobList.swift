import PandaCore
import PostgresNIO

/// The job list's SQL on PostgreSQL, built from a `JobFilter` with the same
/// conditions, indexes and keyset paging as `JobListQuery` on SQLite.
struct PostgresJobListQuery {
    private var conditions: [String] = []
    private(set) var bindings = PostgresBindings()
    private var descending = true

    init(_ session: PostgresSession, _ filter: JobFilter) async throws {
        if let owner = filter.owner { add("owner = $", owner) }
        if let state = filter.state { add("state = $", state.rawValue) }
        if let queues = filter.queues {
            guard !queues.isEmpty else { conditions.append("false"); return }
            add("queue = ANY($)", queues)
        }
        if let task = filter.taskID { add("task_id = $", task) }
        if let code = filter.errorCode { add("error_code = $", Int64(code)) }
        if let pattern = filter.namePattern {
            if pattern.hasPrefix("*") {
                guard filter.owner != nil || filter.taskID != nil || filter.queues != nil || filter.errorCode != nil else {
                    throw StoreError.invalid("name '\(pattern)' starts with *, which needs owner, task, queue, site or error beside it")
                }
            }
            add("name LIKE $", Self.like(pattern))
        }
        if let since = filter.since {
            if let first = try await Self.firstID(session, submittedAtOrAfter: since) { add("id >= $", first) } else { conditions.append("false") }
        }
        if let until = filter.until, let first = try await Self.firstID(session, submittedAtOrAfter: until) { add("id < $", first) }
        descending = filter.order == .newest
        if descending, let before = filter.before { add("id < $", before) }
        if !descending, let after = filter.after { add("id > $", after) }
    }

    private mutating func add<Value: PostgresDynamicTypeEncodable>(_ condition: String, _ value: Value) {
        bindings.append(value)
        conditions.append(condition.replacingOccurrences(of: "$", with: "$\(bindings.count)"))
    }

    func query(columns: String, limit: Int) -> PostgresQuery {
        var binds = bindings
        binds.append(Int64(limit))
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return PostgresQuery(unsafeSQL: "SELECT \(columns) FROM jobs \(whereClause) ORDER BY id \(descending ? "DESC" : "ASC") LIMIT $\(binds.count)",
                             binds: binds)
    }

    /// A name pattern as LIKE: `*` is the wildcard, LIKE's own `%`, `_` and `\` match themselves.
    static func like(_ pattern: String) -> String {
        var like = ""
        for character in pattern {
            switch character {
            case "*": like += "%"
            case "%", "_", "\\": like += "\\" + String(character)
            default: like.append(character)
            }
        }
        return like
    }

    /// As `JobListQuery.firstID`: ids grow with submission time, so the first
    /// job submitted at or after `time` is found by bisecting the primary key.
    static func firstID(_ session: PostgresSession, submittedAtOrAfter time: Double) async throws -> Int64? {
        func next(_ id: Int64) async throws -> (id: Int64, at: Double)? {
            guard let row = try await session.one("SELECT id, created_at FROM jobs WHERE id >= \(id) ORDER BY id LIMIT 1") else { return nil }
            return (try row[0], try row[1])
        }
        guard let high = try await session.value("SELECT max(id) FROM jobs", as: Int64.self),
              let low = try await session.value("SELECT min(id) FROM jobs", as: Int64.self),
              let last = try await next(high), last.at >= time else { return nil }
        var answer = high
        var lo = low, hi = high - 1
        while lo <= hi {
            let middle = lo + (hi - lo) / 2
            guard let row = try await next(middle), row.id <= hi else {
                hi = middle - 1
                continue
            }
            if row.at >= time {
                answer = row.id
                hi = middle - 1
            } else {
                lo = row.id + 1
            }
        }
        return answer
    }
}

extension PostgresJobStore {
    public func list(_ filter: JobFilter) async throws -> JobPage {
        try await list(filter, facets: false)
    }

    public func list(_ filter: JobFilter, facets: Bool) async throws -> JobPage {
        try await read { session in
            let query = try await PostgresJobListQuery(session, filter)
            let limit = max(1, min(filter.limit, 1000))
            let rows = try await session.rows(query.query(columns: SQLiteJobStore.statusColumns, limit: limit + 1))
            let jobs = try rows.prefix(limit).map(Self.status(from:))
            return JobPage(jobs: jobs, next: rows.count > limit ? jobs.last?.id : nil,
                           facets: facets ? try await Self.facets(session, query) : nil)
        }
    }

    static func facets(_ session: PostgresSession, _ query: PostgresJobListQuery) async throws -> JobFacets {
        let rows = try await session.rows(query.query(columns: "state, queue, owner, task_id, error_code", limit: JobListQuery.facetRows + 1))
        var states: [String: Int] = [:], queues: [String: Int] = [:], owners: [String: Int] = [:]
        var tasks: [String: Int] = [:], errors: [String: Int] = [:]
        for row in rows.prefix(JobListQuery.facetRows) {
            states[try row[0], default: 0] += 1
            queues[try row[1], default: 0] += 1
            owners[try row[2], default: 0] += 1
            if let task: Int64 = try row[3] { tasks[String(task), default: 0] += 1 }
            if let code: Int = try row[4] { errors[String(code), default: 0] += 1 }
        }
        func sorted(_ counts: [String: Int]) -> [NamedCount] {
            counts.map { NamedCount(name: $0.key, count: $0.value) }.sorted { ($0.count, $1.name) > ($1.count, $0.name) }
        }
        return JobFacets(scanned: min(rows.count, JobListQuery.facetRows), truncated: rows.count > JobListQuery.facetRows,
                         states: sorted(states), queues: sorted(queues), owners: sorted(owners), tasks: sorted(tasks),
                         errors: sorted(errors))
    }
}
